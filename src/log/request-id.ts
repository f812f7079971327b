// Request ids: a well-formed incoming X-Request-Id is kept (so ids flow through proxies and
// clients); anything else is replaced. Bounded length and a safe charset keep ids from carrying
// log-injection payloads or unbounded data.
const WELL_FORMED = /^[A-Za-z0-9._:@\-]{8,128}$/;

export function acceptRequestId(incoming: string): string | undefined {
  return WELL_FORMED.test(incoming) ? incoming : undefined;
}
