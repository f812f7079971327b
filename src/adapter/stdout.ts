// Pure JSON lines on PocketBase's stdout. console.log in the JSVM goes through Go's log package,
// which prefixes every line with a timestamp, and $os has no stdout writer ($os.writeFile would
// O_TRUNC a log file). So pb-ops starts one small helper per PocketBase process, `tee -a
// /proc/<pid>/fd/1`, and writes lines into its stdin pipe: tee opens PocketBase's own stdout in
// append mode, which works whether it is a pipe, a terminal or a file, and never truncates a file.
// The pipe's write end is shared by all VMs through $app.store(); Go serialises writes on it. When
// PocketBase exits (or re-execs on a hooks change) the pipe closes and tee exits with it.
// If tee cannot be started (no coreutils/busybox in the image), lines fall back to console.log.

const STORE_KEY = "pbOps.stdoutPipe";

interface Writer {
  write(b: unknown): unknown;
}

let writer: Writer | null | undefined;

function pocketbasePid(): string {
  const stat = toString($os.readFile("/proc/self/stat"));
  return stat.slice(0, stat.indexOf(" "));
}

function openWriter(): Writer | null {
  try {
    const cmd = $os.cmd("tee", "-a", `/proc/${pocketbasePid()}/fd/1`);
    const stdin = cmd.stdinPipe();
    cmd.start();
    return stdin as unknown as Writer;
  } catch (err) {
    console.error(`pb-ops: cannot start the stdout writer (tee): ${err}; falling back to console.log`);
    return null;
  }
}

export function writeLine(line: string): void {
  if (writer === undefined) writer = $app.store().getOrSet(STORE_KEY, openWriter) as Writer | null;
  if (writer) {
    try {
      writer.write(toBytes(line + "\n"));
      return;
    } catch {
      writer = null; // tee died: keep logging through console rather than losing lines
    }
  }
  console.log(line);
}
