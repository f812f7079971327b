// Request ids: a well-formed incoming X-Request-Id is kept (so ids flow through proxies and
// clients); anything else is replaced. Bounded length and a safe charset keep ids from carrying
// log-injection payloads or unbounded data.
/** The header a request id arrives in and is answered with. */
export const REQUEST_ID_HEADER = "X-Request-Id";

// Made on first use: a regex literal at the top level would build a RegExp (and goja its prototype)
// in every new VM, also in those whose requests carry no X-Request-Id.
let wellFormed: RegExp | undefined;

export function acceptRequestId(incoming: string): string | undefined {
  if (!wellFormed) wellFormed = /^[A-Za-z0-9._:@-]{8,128}$/;
  return wellFormed.test(incoming) ? incoming : undefined;
}

/**
 * Makes ids without a call into Go per request (each JSVM->Go call costs microseconds): a random
 * per-VM prefix, drawn once, plus a counter. Ids are unique, not secret; 20 characters like
 * PocketBase's own random ids.
 */
export function requestIdMaker(randomPrefix12: string): () => string {
  let n = 0;
  return () => {
    n = (n + 1) % 2821109907456; // 36^8: the counter part stays 8 characters
    return randomPrefix12 + n.toString(36).padStart(8, "0");
  };
}
