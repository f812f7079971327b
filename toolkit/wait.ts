// Waiting in tests, one way: a plain pause (sleep) where a test must let wall-clock time pass, and
// polling (pollUntil, waitFor, readUntil) wherever a test waits for something to become true, so
// no test hard-codes how long the machine takes.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Checks every `everyMs` until `check` holds or `withinMs` has passed; whether it held. */
export async function pollUntil(check: () => boolean | Promise<boolean>, withinMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** pollUntil where a timeout is an error naming `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = "condition"): Promise<void> {
  if (!(await pollUntil(check, timeoutMs))) throw new Error(`timed out waiting for ${what}`);
}

/**
 * Reads every `everyMs` until `pred` holds on what was read; the value and how long it took. A
 * timeout is an error showing the last value read.
 */
export async function readUntil<T>(
  read: () => Promise<T>,
  pred: (v: T) => boolean,
  o: { withinMs: number; everyMs: number; what: string },
): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  let last: T | undefined;
  while (Date.now() - t0 < o.withinMs) {
    last = await read();
    if (pred(last)) return { value: last, ms: Date.now() - t0 };
    await sleep(o.everyMs);
  }
  throw new Error(`${o.what}: not seen within ${o.withinMs}ms; last:\n${JSON.stringify(last, null, 1)}`);
}
