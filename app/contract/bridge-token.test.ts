import { describe, expect, it } from 'vitest';
import { API_SUBPROTOCOL, clientSubprotocols, dashboardUrl, tokenFromSubprotocols, tokenFromUrl } from './bridge-token';

const T = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456';

describe('bridge token', () => {
  it('is printed in the fragment and read back from it (or from an older ?token= URL)', () => {
    const url = dashboardUrl(7411, T);
    expect(url).toBe(`http://127.0.0.1:7411/#token=${T}`);
    expect(tokenFromUrl(`#token=${T}`, '')).toBe(T);
    expect(tokenFromUrl('', `?x=1&token=${T}`)).toBe(T);
    expect(tokenFromUrl(`#token=${T}`, '?token=zzzzzzzzzzzzzzzzzzzzzzzzzz')).toBe(T);
  });

  it('ignores values that are not token-shaped', () => {
    expect(tokenFromUrl('#token=', '')).toBeUndefined();
    expect(tokenFromUrl('#token=a,b', '')).toBeUndefined();
    expect(tokenFromUrl('#token=<script>', '')).toBeUndefined();
    expect(tokenFromUrl('#tok=abc', '')).toBeUndefined();
  });

  it('travels as the second subprotocol; the header parser finds it among others', () => {
    expect(clientSubprotocols(T)).toEqual([API_SUBPROTOCOL, `ferry-token.${T}`]);
    expect(tokenFromSubprotocols(`${API_SUBPROTOCOL}, ferry-token.${T}`)).toBe(T);
    expect(tokenFromSubprotocols(API_SUBPROTOCOL)).toBeUndefined();
    expect(tokenFromSubprotocols(undefined)).toBeUndefined();
  });
});
