"""Take away a process's ability to reach the network.

`deny_network()` installs a seccomp filter (Linux, x86-64 and arm64) under
which `socket()` fails with EACCES for every address family but AF_UNIX, so no
SPARQL feature (SERVICE, or any future one that fetches) can open a connection,
whatever the query text. `deny_outbound()` is for a server, which needs its
listening socket: it refuses `connect()`, `sendmsg()`/`sendmmsg()` and a
`sendto()` that names an address, so the process can accept and answer
connections but start none (the query engines run under it, see `engine`).
Both filters are irrevocable and inherited by every thread and program the
process starts afterwards. Elsewhere they return False and the caller relies on
the query check alone.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct
import sys

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2

# Classic BPF opcodes.
_LD_W_ABS = 0x00 | 0x00 | 0x20
_JEQ_K = 0x05 | 0x10 | 0x00
_JGE_K = 0x05 | 0x30 | 0x00
_RET_K = 0x06 | 0x00

_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_AF_UNIX = 1
_X32_SYSCALL_BIT = 0x40000000

# machine -> (AUDIT_ARCH_*, __NR_socket, __NR_io_uring_setup)
_ARCHES = {
    "x86_64": (0xC000003E, 41, 425),
    "aarch64": (0xC00000B7, 198, 425),
}
# machine -> (__NR_connect, __NR_sendto, __NR_sendmsg, __NR_sendmmsg)
_OUTBOUND = {
    "x86_64": (42, 44, 46, 307),
    "aarch64": (203, 206, 211, 269),
}

# Offsets in struct seccomp_data (the low half of each 64-bit argument).
_NR, _ARCH, _ARG0, _ARG4 = 0, 4, 16, 48


def _stmt(code: int, k: int) -> bytes:
    return struct.pack("HBBI", code, 0, 0, k)


def _jump(code: int, k: int, true: int, false: int) -> bytes:
    return struct.pack("HBBI", code, true, false, k)


def _filter(arch: int, nr_socket: int, nr_io_uring_setup: int) -> bytes:
    deny = _RET_ERRNO | errno.EACCES
    program = [
        _stmt(_LD_W_ABS, _ARCH),
        _jump(_JEQ_K, arch, 1, 0),
        _stmt(_RET_K, deny),  # a foreign syscall ABI: refuse everything
        _stmt(_LD_W_ABS, _NR),
        _jump(_JGE_K, _X32_SYSCALL_BIT, 0, 1),
        _stmt(_RET_K, deny),  # x32 calls could name socket() by another number
        _jump(_JEQ_K, nr_io_uring_setup, 0, 1),
        _stmt(_RET_K, _RET_ERRNO | errno.ENOSYS),  # io_uring could connect without socket()
        _jump(_JEQ_K, nr_socket, 0, 3),
        _stmt(_LD_W_ABS, _ARG0),
        _jump(_JEQ_K, _AF_UNIX, 1, 0),
        _stmt(_RET_K, deny),
        _stmt(_RET_K, _RET_ALLOW),
    ]
    return b"".join(program)


def _outbound_filter(arch: int, nr_io_uring_setup: int, connect: int, sendto: int, sendmsg: int,
                     sendmmsg: int) -> bytes:
    deny = _RET_ERRNO | errno.EACCES
    program = [
        _stmt(_LD_W_ABS, _ARCH),
        _jump(_JEQ_K, arch, 1, 0),
        _stmt(_RET_K, deny),
        _stmt(_LD_W_ABS, _NR),
        _jump(_JGE_K, _X32_SYSCALL_BIT, 0, 1),
        _stmt(_RET_K, deny),
        _jump(_JEQ_K, nr_io_uring_setup, 0, 1),
        _stmt(_RET_K, _RET_ERRNO | errno.ENOSYS),
        _jump(_JEQ_K, connect, 0, 1),
        _stmt(_RET_K, deny),
        _jump(_JEQ_K, sendmsg, 0, 1),
        _stmt(_RET_K, deny),
        _jump(_JEQ_K, sendmmsg, 0, 1),
        _stmt(_RET_K, deny),
        _jump(_JEQ_K, sendto, 0, 5),
        _stmt(_LD_W_ABS, _ARG4),  # the destination address: only NULL (a connected socket) is let through
        _jump(_JEQ_K, 0, 0, 2),
        _stmt(_LD_W_ABS, _ARG4 + 4),
        _jump(_JEQ_K, 0, 1, 0),
        _stmt(_RET_K, deny),
        _stmt(_RET_K, _RET_ALLOW),
    ]
    return b"".join(program)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _install(program: bytes) -> bool:
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    if prctl(_PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        return False
    result: int = prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0)
    return result == 0


def deny_network() -> bool:
    """Make `socket()` fail for every family but AF_UNIX in this process; False if unsupported."""
    arch = _ARCHES.get(platform.machine())
    if not sys.platform.startswith("linux") or arch is None:
        return False
    return _install(_filter(*arch))


def deny_outbound() -> bool:
    """Let this process serve connections but never open one; False if unsupported."""
    machine = platform.machine()
    if not sys.platform.startswith("linux") or machine not in _ARCHES:
        return False
    arch, _, nr_io_uring_setup = _ARCHES[machine]
    return _install(_outbound_filter(arch, nr_io_uring_setup, *_OUTBOUND[machine]))
