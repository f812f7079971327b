// Names a PocketBase JSVM handler may use without declaring them. A handler is recompiled from its
// own source text in a pooled VM, so anything else it names (an outer variable, an import, an esbuild
// helper) does not exist there. Read from plugins/jsvm (binds.go, jsvm.go) and checked against the
// real binaries by tests/tools/jsvm-globals.integration.test.ts.

/** Bound by PocketBase into every executor VM. */
export const POCKETBASE_GLOBALS = Object.freeze([
  // namespaces and values
  "$app", "$apis", "$os", "$security", "$http", "$filesystem", "$filepath", "$dbx", "$mails", "$template",
  "__hooks", "require", "console", "process", "Buffer",
  // functions
  "sleep", "toString", "toBytes", "arrayOf", "unmarshal", "cronAdd", "cronRemove",
  // constructors
  "Context", "DynamicModel", "Record", "Collection", "FieldsList", "Field", "NumberField", "BoolField",
  "TextField", "URLField", "EmailField", "EditorField", "PasswordField", "DateField", "AutodateField",
  "JSONField", "RelationField", "SelectField", "FileField", "MailerMessage", "Command", "RequestInfo",
  "Middleware", "DateTime", "ValidationError", "Cookie", "SubscriptionMessage", "FormData",
  "AppleClientSecretCreateForm", "RecordUpsertForm", "TestEmailSendForm", "TestS3FilesystemForm",
  // error classes
  "ApiError", "NotFoundError", "BadRequestError", "ForbiddenError", "UnauthorizedError",
  "TooManyRequestsError", "InternalServerError",
]);

/** Bound only by newer PocketBase versions; allowed, but a handler using them needs that version. */
export const POCKETBASE_NEWER_GLOBALS = Object.freeze([
  "GeoPointField", "Timezone", "readerToString",
  "nullString", "nullFloat", "nullInt", "nullBool", "nullArray", "nullObject",
]);

/** ECMAScript built-ins goja provides (no Intl, WeakRef, FinalizationRegistry, timers, URL, fetch). */
export const ES_GLOBALS = Object.freeze([
  "globalThis", "Object", "Function", "Array", "Number", "Boolean", "String", "Symbol", "BigInt", "Date",
  "Promise", "RegExp", "Error", "AggregateError", "EvalError", "RangeError", "ReferenceError", "SyntaxError",
  "TypeError", "URIError", "JSON", "Math", "Reflect", "Proxy", "Map", "Set", "WeakMap", "WeakSet",
  "ArrayBuffer", "DataView", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
  "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
  "parseInt", "parseFloat", "isNaN", "isFinite", "decodeURI", "decodeURIComponent", "encodeURI",
  "encodeURIComponent", "escape", "unescape", "eval", "undefined", "NaN", "Infinity", "arguments",
]);

/** Registration functions that exist only at the top level of a hook file, never inside a handler. */
export const TOP_LEVEL_ONLY = Object.freeze(["routerAdd", "routerUse", "routerPre", "migrate"]);

export const HANDLER_GLOBALS = new Set([...POCKETBASE_GLOBALS, ...POCKETBASE_NEWER_GLOBALS, ...ES_GLOBALS]);
