// Was this request made over HTTPS, as far as the browser is concerned? Pure: the adapter passes in
// what PocketBase knows (TLS on the socket, the X-Forwarded-Proto values, the trusted-proxy
// settings).

export interface HttpsFacts {
  /** PocketBase itself terminated TLS (`e.isTLS()`, i.e. `serve --https`). */
  tls: boolean;
  /** Every `X-Forwarded-Proto` header instance, in order. */
  forwardedProto: readonly string[];
  /** PocketBase's settings.trustedProxy.headers (Dashboard > Settings > Trusted proxy). */
  trustedProxyHeaders: readonly string[];
  /** settings.trustedProxy.useLeftmostIP. */
  useLeftmost: boolean;
}

/**
 * True on TLS, or when a trusted proxy says https. A proxy is trusted when the operator configured
 * PocketBase's trusted-proxy headers: then every request is expected to come through it, exactly as
 * `e.realIP()` assumes. The value is read the way realIP reads its headers: the last header
 * instance (the one the nearest proxy controls), its rightmost item unless useLeftmostIP.
 * Without a trusted proxy the header is ignored: anyone can send it.
 */
export function isHttpsRequest(f: HttpsFacts): boolean {
  if (f.tls) return true;
  if (f.trustedProxyHeaders.length === 0 || f.forwardedProto.length === 0) return false;
  const items = f.forwardedProto[f.forwardedProto.length - 1]!.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const proto = f.useLeftmost ? items[0] : items[items.length - 1];
  return proto !== undefined && proto.toLowerCase() === "https";
}
