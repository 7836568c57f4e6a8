#!/usr/bin/env python3
"""Writes the seed corpus of the matcher's chunking fuzzer
(tests/fuzz/corpus/matcher/) and its first regression inputs
(tests/fuzz/regress/matcher/), in the input format described in
tests/fuzz/matcher_check.h.  Run from the source tree's root; the files
are committed, this only shows how they were made."""
import os

def chunk_byte(size):
    if 1 <= size <= 24:
        return size - 1
    k = max(0, min(0x3f, (size - 1 + 36) // 37))
    return 0xc0 + k

def encode(patterns, text, chunks=(), late=None, learning=0):
    """late: offset fraction byte for the last pattern (None: not late)."""
    assert 1 <= len(patterns) <= 4
    cfg = (len(patterns) - 1) | (4 if late is not None else 0) | (learning << 3)
    out = bytes([cfg, late or 0])
    for p in patterns:
        b = p.encode('latin-1') if isinstance(p, str) else p
        assert b'\0' not in b
        out += b + b'\0'
    t = text.encode('latin-1') if isinstance(text, str) else text
    out += bytes([len(t) & 255, len(t) >> 8]) + t
    out += bytes(chunk_byte(c) for c in chunks)
    return out

def lines(path, first, last):
    with open(path, 'rb') as f:
        return b'\n'.join(f.read().split(b'\n')[first - 1:last]) + b'\n'

BOOT = 'fixtures/logs/linux-boot-x86.log'
PANIC = 'fixtures/logs/linux-panic-x86.log'

seeds = {
    'blank-line-crlf': encode(['^$', r'^\s*$'], 'ok\r\nnext\r\n', [3, 200]),
    'cr-caret-dollar': encode([r'\r^$'], '\r\r\na', [1]),
    'boot-banner': encode([r"Linux version (?'kernel_version'\S+)",
                           r'^hilt-guest: init started', r'\bOops(: |\b)',
                           r'(?s)\bWARNING: .{0,16384}?---\[ end trace'],
                          lines(BOOT, 1, 2) + lines(BOOT, 318, 321), [7, 1, 13, 64]),
    'boot-network': encode([r'^hilt-guest: network up (?\'guest_ip\'\d+\.\d+\.\d+\.\d+)',
                            r'^hilt-guest: httpd started', r'Kernel panic - not syncing'],
                           lines(BOOT, 330, 333), [5, 24, 2], late=128),
    'boot-prompt': encode([r'^/ # ', r'^6\.1\.0-56-amd64$', r'inet 10\.0\.2\.15/',
                           r'\bBUG: '], lines(BOOT, 334, 345), [1, 2, 3, 16, 1]),
    'panic': encode([r'Kernel panic - not syncing', r'Unable to handle kernel ',
                     r'invalid opcode: '], lines(PANIC, 314, 318), [9, 40]),
    'http-body': encode([r'^Hello World!$'], 'Hello World!', [5]),
    'line-ends': encode(['$', '^', r'\R', r'(?<=\r)'], 'a\r\n\rb\n\r\nc\r', [1, 2, 1]),
    'crlf-verbs': encode([r'(*CRLF)^x$', r'(*LF)^$', r'(*ANY)^\s*$', r'(*CR)a$'],
                         'x\r\n\r\nx\n\na\r\x0c\r', [2, 1, 3]),
    'empty-matches': encode([r'x*', r'(?:)', r'\b', r'a|'], 'axxb\r\nxa', [1, 4], late=60),
    'keep-out': encode([r'a\Kb', r'\n\K', r'(?=\n)'], 'ab\r\nab\n', [2, 1]),
    'lookaround': encode([r'a(?!\n^)', r'(?<=^)b', r'\n(?=^)', r'c(?=\r?$)'],
                         'a\nb\r\nc\r\nab\n', [1, 1, 2]),
    'prefilter-keys': encode([r'ab', r'^ab\d+', r'abab', r'x\[y'],
                             'abab ab12\nx[y ab\r\nabab' * 6, [7, 3, 11, 2], learning=1),
    'greedy-tail': encode([r'Linux version \S+', r'\d+\.\d+\]', r'login: $'],
                          'Linux version 6.1.0-56-amd64 (x)\n[ 12.5] login: ', [17, 3]),
}
regress = {
    'blank-line-split-crlf': encode(['^$'], 'ok\r\nnext\r\n', [3, 200]),
    'cr-caret-dollar': encode([r'\r^$'], '\r\r\na', [1, 1, 1]),
    # After the empty match at 4, the search goes on past \r\n (a start
    # between them is passed over); a read ending after \r must not make
    # it find the empty match at 4 again.
    'empty-match-before-crlf': encode([r'x*'], 'axxb\r\nxa', [5, 24]),
    # \K puts an empty match at the end of a read while its start is
    # before: it is found once the next byte is there (prefilter on too).
    'keep-out-at-read-end': encode([r'ab\K', r'\\n\K'], 'xxab' + 'yy\\n' + 'zzab\\nq', [4, 5, 3, 24]),
    # The same after an earlier match in the same read, which the watch
    # searches past by itself.
    'keep-out-after-match': encode([r'ab\K'], 'ab0123456789ab' + 'z' * 48, [14, 24]),
    # Decided at the end of the stream, past \r\n: a start between them is
    # passed over there too (pcre2's JIT complete mode would try it).
    'end-of-stream-past-crlf': encode([r'^\n|x[^y]*y', r'^()\n(?=^)'], 'x\r\nz', [2, 24]),
}
for d, files in (('tests/fuzz/corpus/matcher', seeds), ('tests/fuzz/regress/matcher', regress)):
    os.makedirs(d, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)
