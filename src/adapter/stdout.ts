// Pure JSON lines on PocketBase's stdout. console.log in the JSVM goes through Go's log package,
// which prefixes every line with a timestamp, and $os has no stdout writer ($os.writeFile on
// /dev/stdout would O_TRUNC a log file and cannot open a socket, e.g. journald's). The writer that
// works everywhere is Go's own os.Stdout, which PocketBase's cobra root command hands out:
// `$app.rootCmd.outOrStdout()` (proven on v0.31 and v0.40). One Write call per line: Go holds the
// fd's write lock for the whole call, so lines from concurrent requests never interleave, and a
// file opened with O_APPEND by the shell keeps appending (nothing is ever truncated).
//
// It is taken once at boot, in the loader VM, where $app is the PocketBase instance (inside a
// transaction $app is a plain core app without rootCmd), and shared through $app.store().

const STORE_KEY = "pbOps.stdout";

interface Writer {
  /** os.File.WriteString: takes the JS string as a Go string, no byte-slice conversion. */
  writeString(s: string): unknown;
}

let writer: Writer | null | undefined;
// Bound once per VM: a method lookup on a Go object costs about a microsecond each time.
let writeString: ((s: string) => unknown) | undefined;

/** Called from boot(): remembers os.Stdout for every VM. */
export function captureStdout(): void {
  try {
    const app = $app as unknown as { rootCmd?: { outOrStdout(): Writer } };
    if (app.rootCmd) $app.store().set(STORE_KEY, app.rootCmd.outOrStdout());
  } catch (err) {
    console.error(`pb-ops: stdout writer unavailable (${err}); log lines fall back to console.log`);
  }
}

export function writeLine(line: string): void {
  if (writer === undefined) {
    writer = ($app.store().get(STORE_KEY) as Writer | undefined) ?? null;
    if (writer) writeString = writer.writeString;
  }
  if (writer) {
    try {
      writeString!(line + "\n");
      return;
    } catch {
      writer = null; // keep logging through console rather than losing lines
    }
  }
  console.log(line);
}
