# The pattern shared by the request/response pair: page p of the responder's memory holds value(p) in its
# first and last 8 bytes; request n reads PAGES_PER_REQUEST pages chosen from n.
PAGES_PER_REQUEST = 16
PATTERN_BASE = 0x5F3759DF00000000
PAGE = 4096


def pages_for(n, npages):
    return [(n * 2654435761 + i * 40503 + i * i * 7919) % npages for i in range(PAGES_PER_REQUEST)]


def value(p):
    return PATTERN_BASE + p
