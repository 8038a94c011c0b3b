// Which IPC messages main accepts: from our window's own web contents, its main frame (not an iframe, not a
// frame that navigated elsewhere), showing our page. Pure (no electron import), so it is unit-tested.

/** The parts of an Electron frame the check reads. */
export interface FrameLike {
  url: string;
  /** null for a main frame (Electron's WebFrameMain.parent). */
  parent: FrameLike | null;
}

/** The parts of an IpcMainEvent the check reads. */
export interface IpcEventLike {
  sender: unknown;
  senderFrame: FrameLike | null | undefined;
}

/** True when the message comes from `contents`' main frame and that frame shows a trusted URL. */
export function isTrustedSender(event: IpcEventLike, contents: unknown, isTrustedUrl: (url: string) => boolean): boolean {
  const frame = event.senderFrame;
  // A frame destroyed or navigated away arrives as null; a frame with a parent is an iframe.
  if (event.sender !== contents || !frame || frame.parent !== null) return false;
  return isTrustedUrl(frame.url);
}

/** A URL check for the packaged page: exactly `indexUrl`, any fragment, no query. */
export function pageUrlCheck(indexUrl: string): (url: string) => boolean {
  return (url) => url.split('#')[0] === indexUrl;
}
