// PB_LEASE_* variables: the deploy lease (docs/deploy.md, "Deploys and the lease"). The lease only
// does anything when the container replicates (REPLICA_URL set); the entrypoint asks pb-ops whether
// it is on, so its parsing lives here only.
import { ConfigError, type SectionOf } from "../config/load";
import { defineVar, durationIn, parseBool } from "../config/vars";

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
    accepted: "a duration from 500ms to 60s, less than half of PB_LEASE_TTL",
    meaning: "How often the holder renews the lease (one conditional PUT each time) and looks for a newer claim.",
    parse: durationIn(500, 60_000),
  }),
  ttl: defineVar({
    name: "PB_LEASE_TTL",
    default: "10s",
    example: "30s",
    accepted: "a duration from 2s to 10m, more than 2 x PB_LEASE_HEARTBEAT",
    meaning:
      "A lease nobody renewed for this long (measured on the claimant's own clock) is taken over: the wait after a crashed or killed container. The holder stops accepting writes and replicating when its own last renewal is older than TTL minus 2 heartbeats.",
    parse: durationIn(2000, 600_000),
  }),
  handoffTimeout: defineVar({
    name: "PB_LEASE_HANDOFF_TIMEOUT",
    default: "60s",
    example: "120s",
    accepted: "a duration from 5s to 30m, at least PB_LEASE_TTL",
    meaning:
      "How long a new container waits for the old one to ship its last transaction and release, once the old one has acknowledged the claim.",
    parse: durationIn(5000, 1_800_000),
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
  return null;
}

/** The holder self-fences when its own last renewal is older than this. */
export function selfFenceAfterMs(s: Pick<LeaseSettings, "heartbeat" | "ttl">): number {
  return s.ttl - 2 * s.heartbeat;
}
