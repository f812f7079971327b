// Globals goja_nodejs adds to every PocketBase VM that PocketBase's generated types.d.ts does not
// declare (console, process, require, Buffer; see plugins/jsvm/jsvm.go sharedBinds).

declare var console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
};

declare var process: {
  readonly env: Record<string, string | undefined>;
  readonly argv: string[];
};

/** CommonJS require; always use an absolute path built from `__hooks`. */
declare function require(path: string): any;
