// App teams' own backup-status checks (docs/extending.md). A check is registered by name with the
// module and export that implement it, as plain data: handlers run in pooled VMs, so a function
// value registered in one VM would not exist in the VM that answers /api/ops/backup-status.

export interface CheckRef {
  name: string;
  module: string;
  exportName: string;
}

export interface CheckResult {
  name: string;
  status: "ok" | "degraded" | "failing";
  message: string;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const EXPORT_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Validates a registration; throws a message for the app team's boot error. */
export function checkRef(name: string, module: string, exportName: string): CheckRef {
  if (!NAME.test(name)) throw new Error(`backup check name ${JSON.stringify(name)}: use 1-64 lower-case letters, digits, - and _`);
  if (typeof module !== "string" || !module.startsWith("/") || !module.endsWith(".js")) {
    throw new Error(`backup check ${name}: module must be an absolute path to a .js file, e.g. \`\${__hooks}/myapp/index.js\``);
  }
  if (!EXPORT_NAME.test(exportName)) throw new Error(`backup check ${name}: ${JSON.stringify(exportName)} is not an export name`);
  return { name, module, exportName };
}

/** Adds or replaces a registration by name; the list stays sorted so reports are stable. */
export function withCheck(list: readonly CheckRef[], ref: CheckRef): CheckRef[] {
  return [...list.filter((c) => c.name !== ref.name), ref].sort((a, b) => a.name.localeCompare(b.name));
}

/** Turns what a check returned (or threw) into a result; anything malformed counts as failing. */
export function toResult(name: string, returned: unknown, thrown?: unknown): CheckResult {
  if (thrown !== undefined) {
    const msg = (thrown as { message?: unknown })?.message;
    return { name, status: "failing", message: `check threw: ${typeof msg === "string" ? msg : String(thrown)}`.slice(0, 300) };
  }
  const r = returned as { status?: unknown; message?: unknown } | null;
  const status = r?.status;
  if (status !== "ok" && status !== "degraded" && status !== "failing") {
    return { name, status: "failing", message: 'check returned no status (expected { status: "ok" | "degraded" | "failing", message? })' };
  }
  return { name, status, message: typeof r?.message === "string" ? r.message.slice(0, 300) : "" };
}
