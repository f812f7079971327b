// Tiny fetch helpers: tests read JSON bodies as `any` (they assert on shape themselves).
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any;
}

export async function fetchJson(url: string, init?: RequestInit): Promise<JsonResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
}
