// PB_LEASE_* variables: the deploy lease (docs/deploy.md, "Deploys and the lease"). The lease only
// does anything when the container replicates (REPLICA_URL set); the entrypoint asks pb-ops whether
// it is on, so its parsing lives here only.
import { ConfigError, type SectionOf } from "../config/load";
import { defineVar, durationIn, noting, oneOf, parseBool } from "../config/vars";

/** PB_LEASE_VISIBILITY when unset (or half the heartbeat, see leaseTiming). */
const VISIBILITY_DEFAULT = "1s";

export const leaseVars = {
  enabled: defineVar({
    name: "PB_LEASE",
    default: "on",
    example: "off",
    meaning:
      "With REPLICA_URL set, the entrypoint takes a lease in the replica bucket before it restores, and an old container hands over (fences writes, ships its last transaction, releases) before the new one restores. `off` = the old behaviour: overlapping deploys lose acknowledged writes and can corrupt the replica.",
    parse: parseBool,
  }),
  heartbeat: defineVar({
    name: "PB_LEASE_HEARTBEAT",
    default: "2s",
    example: "1s",
    meaning:
      "How often the holder renews the lease (one conditional PUT each time; in verify mode a LIST and a plain PUT of its own object) and looks for a newer claim.",
    parse: noting(durationIn(500, 60_000), "less than half of PB_LEASE_TTL"),
  }),
  ttl: defineVar({
    name: "PB_LEASE_TTL",
    default: "10s",
    example: "30s",
    meaning:
      "A lease nobody renewed for this long (measured on the claimant's own clock) is taken over: the wait after a crashed or killed container. The holder stops accepting writes and replicating when its own last renewal is older than TTL minus 2 heartbeats.",
    parse: noting(durationIn(2000, 600_000), "more than 2 x PB_LEASE_HEARTBEAT"),
  }),
  handoffTimeout: defineVar({
    name: "PB_LEASE_HANDOFF_TIMEOUT",
    default: "60s",
    example: "120s",
    meaning:
      "How long a new container waits for the old one to ship its last transaction and release, once the old one has acknowledged the claim.",
    parse: noting(durationIn(5000, 1_800_000), "at least PB_LEASE_TTL"),
  }),
  writes: defineVar({
    name: "PB_LEASE_WRITES",
    default: "auto",
    example: "verify",
    meaning:
      "How the lease is written. `conditional`: conditional PUTs (If-None-Match / If-Match); a server that ignores them stops the container. `verify`: claim-then-verify with plain PUT/GET/LIST/DELETE (each claimant writes its own object, waits, lists, and the lowest id wins), for S3 servers without conditional writes; it needs read-after-write and list-after-write consistency within PB_LEASE_VISIBILITY. `auto`: probe the server at each claim and use `conditional` if it honours them, else `verify`.",
    parse: oneOf(["auto", "conditional", "verify"] as const),
  }),
  visibility: defineVar({
    name: "PB_LEASE_VISIBILITY",
    default: VISIBILITY_DEFAULT,
    example: "2s",
    meaning:
      "Verify mode only: the longest time a PUT the server acknowledged may take to show in a LIST (0 on AWS S3, which is strongly consistent). A claimant whose first LIST to its PUT's answer took longer than max(this, 1s) starts over; after its PUT it waits max(this, 1s) + 2 x this before the deciding LIST (3s with the default), which each verify-mode claim costs.",
    parse: noting(
      durationIn(0, 30_000),
      `less than PB_LEASE_HEARTBEAT (unset: ${VISIBILITY_DEFAULT}, or half of PB_LEASE_HEARTBEAT if that is less)`,
    ),
  }),
};

export type LeaseSettings = SectionOf<typeof leaseVars>;

/** Checks between the variables, as one boot line like the single-variable ones. */
export function leaseSettingsError(s: LeaseSettings, env: Readonly<Record<string, string | undefined>>): ConfigError | null {
  if (s.ttl <= 2 * s.heartbeat)
    return new ConfigError(
      "PB_LEASE_TTL",
      env.PB_LEASE_TTL ?? "10s",
      leaseVars.ttl.accepted,
      `must be more than 2 x PB_LEASE_HEARTBEAT (${s.heartbeat}ms)`,
    );
  if (s.handoffTimeout < s.ttl)
    return new ConfigError(
      "PB_LEASE_HANDOFF_TIMEOUT",
      env.PB_LEASE_HANDOFF_TIMEOUT ?? "60s",
      leaseVars.handoffTimeout.accepted,
      `must be at least PB_LEASE_TTL (${s.ttl}ms)`,
    );
  // Only a value someone set is refused: unset, it follows a short heartbeat down (leaseTiming).
  if (env.PB_LEASE_VISIBILITY !== undefined && s.visibility >= s.heartbeat)
    return new ConfigError(
      "PB_LEASE_VISIBILITY",
      env.PB_LEASE_VISIBILITY,
      leaseVars.visibility.accepted,
      `must be less than PB_LEASE_HEARTBEAT (${s.heartbeat}ms)`,
    );
  return null;
}

/**
 * The settings the lease runs with. Unset, PB_LEASE_VISIBILITY is 1s or half the heartbeat if that
 * is less, so PB_LEASE_HEARTBEAT=1s alone stays valid (D must stay below the heartbeat:
 * docs/deploy.md "Verify mode").
 */
export function leaseTiming<T extends Pick<LeaseSettings, "heartbeat" | "visibility">>(
  s: T,
  env: Readonly<Record<string, string | undefined>>,
): T {
  if (env.PB_LEASE_VISIBILITY !== undefined) return s;
  return { ...s, visibility: Math.min(s.visibility, Math.floor(s.heartbeat / 2)) };
}

/** The holder self-fences when its own last renewal is older than this. */
export function selfFenceAfterMs(s: Pick<LeaseSettings, "heartbeat" | "ttl">): number {
  return s.ttl - 2 * s.heartbeat;
}
