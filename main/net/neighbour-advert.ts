// The IPv6 counterpart of a gratuitous ARP: an unsolicited neighbour advertisement (RFC 4861 §7.2.6) with the
// Override flag, so neighbours that cached the address on the old host's link-layer address switch to this one
// at once instead of probing the old one for seconds (until then they send to the old host, which drops it). ndisc6
// only solicits (its NS updates the peers' entry for the sender's own address, not for the moved one); the tools
// that do send advertisements (ipv6toolkit's na6, thc-ipv6) are attack kits over libpcap, one more package on every
// host; python3 is already there for lazy mode, so a few lines of it send one through the kernel.

/**
 * Usage: python3 -S -c UNSOLICITED_NA_PY ADDRESS DEVICE COUNT — sends COUNT advertisements of ADDRESS (assigned
 * on DEVICE, usable: added without DAD) to all nodes (ff02::1), one second apart, hop limit 255 (neighbours
 * drop others), the kernel filling in the checksum. The link-layer address comes from SIOCGIFHWADDR in the
 * caller's network namespace (/sys/class/net may belong to another one). Exit 2: DEVICE is not Ethernet-like.
 */
export const UNSOLICITED_NA_PY = String.raw`
import fcntl, socket, struct, sys, time
addr, dev, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
idx = socket.if_nametoindex(dev)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
hw = fcntl.ioctl(s.fileno(), 0x8927, struct.pack('256s', dev.encode()))
if struct.unpack('H', hw[16:18])[0] != 1:
    sys.stderr.write('%s has no Ethernet address: no neighbour discovery to update\n' % dev)
    sys.exit(2)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
s.bind((addr, 0, 0, idx))
# Type 136, code 0, checksum 0 (the kernel's), flags Override; the target; option 2: target link-layer address.
na = struct.pack('!BBHI', 136, 0, 0, 0x20000000) + socket.inet_pton(socket.AF_INET6, addr) + struct.pack('!BB', 2, 1) + hw[18:24]
for i in range(count):
    if i:
        time.sleep(1)
    s.sendto(na, ('ff02::1', 0, 0, idx))
`;

/** argv that advertises `address` from `device` `count` times (values validated by the caller: assertMoves). */
export function unsolicitedNaArgv(address: string, device: string, count: number): string[] {
  return ['python3', '-S', '-c', UNSOLICITED_NA_PY, address, device, String(count)];
}
