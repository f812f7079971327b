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
import { STORE } from "./keys";
import { appStore } from "./store";

interface Writer {
  /** os.File.WriteString: takes the JS string as a Go string, no byte-slice conversion. */
  writeString(s: string): unknown;
}

// Bound once per VM; null when there is none (console.log then).
let writeString: ((s: string) => unknown) | null | undefined;

/** Called from boot(): remembers os.Stdout for every VM. */
export function captureStdout(): void {
  try {
    const app = $app as unknown as { rootCmd?: { outOrStdout(): Writer } };
    // The bound method itself, not the file: a VM then calls one Go function and never builds the
    // method table of Go's *os.File (goja builds it anew in every VM that touches the type, and
    // each throwaway VM writes one access line).
    if (app.rootCmd) appStore().set(STORE.stdout, app.rootCmd.outOrStdout().writeString);
  } catch (err) {
    console.error(`pb-ops: stdout writer unavailable (${err}); log lines fall back to console.log`);
  }
}

export function writeLine(line: string): void {
  if (writeString === undefined) {
    // The bound method boot stored; none when boot could not take it.
    writeString = (appStore().get(STORE.stdout) as Writer["writeString"] | undefined) ?? null;
  }
  if (writeString) {
    try {
      writeString(line + "\n");
      return;
    } catch {
      writeString = null; // keep logging through console rather than losing lines
    }
  }
  console.log(line);
}
