// How the dashboard's per-start token travels between the printed URL, the page and the bridge, shared by the
// bridge (main/bridge) and the page (renderer) so that neither spells it on its own.
//
// The token is never a cookie. Cookies ignore ports: any cookie for 127.0.0.1 (a per-port *name* included) is
// sent to every other service on 127.0.0.1 the browser visits, so a hostile local process listening on some
// port would receive it. A cookie with a random per-start Path would not be sent elsewhere, but would still sit
// in the browser's cookie jar across restarts and make every asset URL carry the secret path. Instead:
//  - `ferry dashboard` prints `http://127.0.0.1:PORT/#token=…`: a fragment is never sent to any server;
//  - the page moves it into sessionStorage, which is per origin (scheme, host *and port*) and per tab, and
//    drops it from the address bar;
//  - the page presents it only to the bridge's WebSocket, as a subprotocol (`ferry-token.<token>`), next to
//    the API's own subprotocol, which is the only one the bridge answers with (the token is never echoed).
// A new URL always wins over what the tab kept from an earlier start; the static files carry no secret and are
// served without the token (the API is what the token guards).

/** The subprotocol the bridge answers with. */
export const API_SUBPROTOCOL = 'ferry.v1';

/** Prefix of the subprotocol that carries the token. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'ferry-token.';

/** The URL fragment / query parameter that carries the token in the printed URL. */
export const TOKEN_PARAM = 'token';

/** Where the page keeps the token (sessionStorage key). */
export const TOKEN_STORAGE_KEY = 'ferry-token';

/** A token as the bridge makes them (base64url of 32 bytes); anything else is not worth comparing. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

/** True when `value` has the shape of a token (and so is a valid subprotocol word). */
export function isTokenShaped(value: string): boolean {
  return TOKEN_SHAPE.test(value);
}

/** The subprotocols a client offers: the API's, then the one carrying the token. */
export function clientSubprotocols(token: string): string[] {
  return [API_SUBPROTOCOL, `${TOKEN_SUBPROTOCOL_PREFIX}${token}`];
}

/** The token in a `Sec-WebSocket-Protocol` header value, if one is offered. */
export function tokenFromSubprotocols(header: string | undefined): string | undefined {
  for (const p of (header ?? '').split(',')) {
    const word = p.trim();
    if (word.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) return word.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
  }
  return undefined;
}

/** The token a page URL carries in its fragment (`#token=…`) or, from older printed URLs, its query. */
export function tokenFromUrl(hash: string, search: string): string | undefined {
  for (const part of [hash.replace(/^#/, ''), search.replace(/^\?/, '')]) {
    for (const pair of part.split('&')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && pair.slice(0, eq) === TOKEN_PARAM && isTokenShaped(pair.slice(eq + 1))) return pair.slice(eq + 1);
    }
  }
  return undefined;
}

/** The URL `ferry dashboard` prints. */
export function dashboardUrl(port: number, token: string): string {
  return `http://127.0.0.1:${port}/#${TOKEN_PARAM}=${token}`;
}
