// Pinned versions of every binary the test suite and `npm start` use. Bump here only.

/** PocketBase releases pb-ops is tested against: the newest v0.40.x the Go module proxy serves and
 * v0.31.0, the version the DigitalOcean App Platform template ships (the oldest supported). */
export const POCKETBASE_VERSIONS = Object.freeze(["v0.40.4", "v0.31.0"]);
export const POCKETBASE_NEWEST = POCKETBASE_VERSIONS[0];

/** Go toolchain a module needs when it is newer than the machine's Go (fetched by the go command
 * from the module proxy). PocketBase v0.40.x requires Go 1.27. */
export const GO_TOOLCHAIN_FOR = Object.freeze({ "v0.40.4": "go1.27.3" });

/** Backup test stack (tests/backup*.integration.test.ts). Litestream v0.5.x is the newest line the
 * Go module proxy serves (pure Go, LTX layout); v0.3.14 is the newest v0.3 (the layout the
 * DigitalOcean template's v0.3.13 writes) and needs cgo (mattn/go-sqlite3). versitygw is a real S3
 * server that checks SigV4 signatures, so wrong credentials are refused as on Spaces. */
export const LITESTREAM_VERSIONS = Object.freeze(["v0.5.18", "v0.3.14"]);
export const VERSITYGW_VERSION = "v1.8.0";

export const BINARIES = Object.freeze({
  pocketbase: (version) => ({
    name: `pocketbase-${version}`,
    pkg: `github.com/pocketbase/pocketbase/examples/base@${version}`,
    toolchain: GO_TOOLCHAIN_FOR[version],
  }),
  litestream: (version) => ({
    name: `litestream-${version}`,
    pkg: `github.com/benbjohnson/litestream/cmd/litestream@${version}`,
    cgo: version.startsWith("v0.3."),
  }),
  versitygw: (version = VERSITYGW_VERSION) => ({
    name: `versitygw-${version}`,
    pkg: `github.com/versity/versitygw/cmd/versitygw@${version}`,
  }),
});
