// How the freeze scripts frame a tar stream between the hosts (the small images, lazy mode's direct stream of
// shared memory): a header line `WORD COUNT`, then the archive. COUNT is the archive's size in bytes (GNU tar's
// own count, `--totals`, of an archive written to /dev/null: it reads no file contents for that); the receiver
// takes the stream only when it opens with WORD, tar unpacked it, and exactly COUNT bytes followed the header
// (counted by dd in front of tar: GNU tar reads a pipe to its end, and its own `--totals` on extraction counts
// whole records, not bytes). Why: socat ends a TLS stream cut without close_notify (a relay killed, a FIN
// injected) as cleanly as a complete one, and `tar -x` exits 0 on an archive cut at a member boundary, so
// neither notices a stream that stopped early; only the count does. Shell functions for the scripts
// (freeze-scripts.ts), one implementation for every stream; each side runs one process more (tar, dd).

/** The image stream's header word (it needs no secret: TLS with both ends verified, connected before the freeze). */
export const IMAGE_STREAM_WORD = 'ferry-images';

/**
 * `frame_count DIR TAR_ARGS…` prints the size of the archive `tar -C DIR -cf - TAR_ARGS…` writes;
 * `frame_send WORD COUNT DIR TAR_ARGS…` writes the header and that archive to stdout;
 * `frame_receive WHAT WORD DIR` reads both from stdin into DIR and fails, saying why on stderr (WHAT names the
 * stream), unless the header is WORD and a count, tar succeeded, and exactly that count of bytes came after it.
 */
export const STREAM_FRAME_FUNCTIONS = [
  'frame_count() { fr_d=$1; shift; fr_t=$(LC_ALL=C tar -C "$fr_d" -cf /dev/null --totals "$@" 2>&1) || { echo "$fr_t" >&2; return 1; }; ' +
    'fr_t=${fr_t##*Total bytes written: }; echo "${fr_t%% *}"; }',
  'frame_send() { printf \'%s %s\\n\' "$1" "$2"; fr_d=$3; shift 3; tar -C "$fr_d" -cf - "$@"; }',
  'frame_receive() {',
  '  IFS=" " read -r fr_w fr_want || { echo "ferry: the $1 ended before its header" >&2; return 1; }',
  `  [ "$fr_w" = "$2" ] || { echo "ferry: the $1 did not open with this migration's header" >&2; return 1; }`,
  `  case $fr_want in ''|*[!0-9]*) echo "ferry: the $1 announced no byte count" >&2; return 1;; esac`,
  // dd's report (its stderr) and tar's messages, with a mark when tar failed.
  '  fr_t=$( { { LC_ALL=C dd bs=1M 2>&3 3>&-; } | { tar -C "$3" -xf - 2>&1 3>&- || echo ferry-tar-failed; }; } 3>&1 )',
  '  case $fr_t in *ferry-tar-failed*) echo "ferry: the $1 could not be unpacked: $fr_t" >&2; return 1;; esac',
  // "N bytes (…) copied": the digits before the first " bytes".
  '  fr_got=${fr_t%% bytes*}; fr_got=${fr_got##*[!0-9]}',
  '  [ "$fr_got" = "$fr_want" ] || { echo "ferry: the $1 was cut short: $fr_got of the $fr_want bytes announced arrived" >&2; return 1; }',
  '}',
].join('\n');
