#!/usr/bin/python3
"""NumPy as the independent oracle for netc_runtime's .npy/.npz I/O.

usage: numpy_interop.py NPZ_TOOL WORKDIR

(a) NumPy (and Python's zipfile) write .npy files and .npz archives; netc
    must read the good ones with bit-identical values and names, and reject
    the bad ones with a message naming the file, the member and the problem.
(b) netc writes .npy files and stored, deflated and zip64 .npz archives;
    NumPy must load them bit-identical and zipfile must find the CRCs right.
Prints one line per check; exits 1 if any failed.
"""
import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np

TOOL, WORK = sys.argv[1], sys.argv[2]
results = {'ok': 0, 'FAIL': 0}


def report(ok, what, detail=''):
    status = 'ok' if ok else 'FAIL'
    results[status] += 1
    print(f'{status:5} {what}' + ('' if ok or not detail else f'\n      {detail}'))


def path(name):
    return os.path.join(WORK, name)


def tool(*args):
    r = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=60)
    if r.returncode not in (0, 1):
        report(False, f'npz_tool {" ".join(args)} exited with {r.returncode}', r.stderr.strip())
    return r


def dump_lines(named):
    """What `npz_tool dump` prints for these arrays, values as exact bytes."""
    lines = []
    for name, a in named:
        shape = '[' + ', '.join(str(d) for d in a.shape) + ']'
        lines.append(f'{name}\t{shape}\t{a.astype("<f4").tobytes().hex()}')
    return lines


def check_netc_reads(file, named):
    r = tool('dump', path(file))
    got, want = r.stdout.splitlines(), dump_lines(named)
    detail = r.stderr.strip()
    if r.returncode == 0 and got != want:
        diff = [(g[:80], w[:80]) for g, w in zip(got, want) if g != w] or [(len(got), len(want))]
        detail = f'first difference (netc, numpy): {diff[0]}'
    report(r.returncode == 0 and got == want, f'netc reads {file}: {len(named)} arrays bit-identical', detail)


def check_netc_rejects(file, *fragments):
    r = tool('dump', path(file))
    msg = r.stderr.strip()
    ok = r.returncode == 1 and msg.startswith(path(file) + ':') and all(f in msg for f in fragments)
    report(ok, f'netc rejects {file}: {msg[len(WORK) + 1:]}', f'exit {r.returncode}, wanted {fragments}')


def same(a, b):
    return a.dtype == np.float32 and a.shape == b.shape and a.tobytes() == b.astype('<f4').tobytes()


def check_numpy_reads(file, named):
    try:
        if file.endswith('.npy'):
            got = [('', np.load(path(file)))]
            with open(path(file), 'rb') as f:
                head = f.read(10)
            hlen = int.from_bytes(head[8:10], 'little')
            layout_ok = head[6:8] == b'\x01\x00' and (10 + hlen) % 64 == 0
        else:
            with np.load(path(file)) as z:
                got = [(k, z[k]) for k in z.files]
            with zipfile.ZipFile(path(file)) as zf:
                layout_ok = zf.testzip() is None  # every member's CRC
        ok = layout_ok and len(got) == len(named) and \
            all(gn == wn and same(ga, wa) for (gn, ga), (wn, wa) in zip(got, named))
        detail = '' if ok else f'layout ok: {layout_ok}; got {[(n, a.dtype, a.shape) for n, a in got]}'
    except Exception as e:  # numpy's own complaint is the detail
        ok, detail = False, f'{type(e).__name__}: {e}'
    report(ok, f'numpy reads netc\'s {file}: {len(named)} arrays bit-identical', detail)


def forced_zip64_zip(file, named, compression):
    """An archive whose every size and offset goes through zip64 records, as
    Python's zipfile writes them once its limits are lowered."""
    saved = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
    zipfile.ZIP64_LIMIT = zipfile.ZIP_FILECOUNT_LIMIT = -1
    try:
        with zipfile.ZipFile(path(file), 'w', compression=compression) as zf:
            for name, a in named:
                with zf.open(name + '.npy', 'w', force_zip64=True) as f:
                    np.lib.format.write_array(f, a)
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = saved
    with open(path(file), 'rb') as f:
        report(b'PK\x06\x06' in f.read(), f'{file} has a zip64 end of central directory record')


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    rng = np.random.default_rng(0)
    special = np.concatenate([
        np.array([0.0, -0.0, 1.5, np.inf, -np.inf, np.nan, 1e-45, 3.4028235e38, -1e-38], dtype=np.float32),
        np.frombuffer(bytes.fromhex('0100c07f'), dtype='<f4')])  # a NaN with a payload
    weights = 'resnet_v2_50/block1/unit_1/bottleneck_v2/conv1/weights'
    named = [
        (weights, rng.standard_normal((1, 1, 64, 64)).astype(np.float32)),
        ('scalar', np.array(2.5, dtype=np.float32)),
        ('empty', np.zeros((0, 3), np.float32)),
        ('special', special),
        ('image', rng.standard_normal((1, 8, 8, 3)).astype(np.float32)),
    ]
    transposed = rng.standard_normal((3, 4, 5)).astype(np.float32).transpose(2, 0, 1)  # saved as a C-order copy

    print('-- (a) NumPy writes, netc reads')
    good_npy = []
    for i, (_, a) in enumerate(named + [('', transposed)]):
        np.save(path(f'good{i}.npy'), a)
        good_npy.append((f'good{i}.npy', a))
    for version in [(2, 0), (3, 0)]:
        file = f'v{version[0]}.npy'
        with open(path(file), 'wb') as f:
            np.lib.format.write_array(f, named[4][1], version=version)
        good_npy.append((file, named[4][1]))
    for file, a in good_npy:
        check_netc_reads(file, [('', a)])

    np.savez(path('savez.npz'), **dict(named))
    np.savez_compressed(path('savez_compressed.npz'), **dict(named))
    np.savez(path('positional.npz'), named[1][1], named[3][1])
    shutil.copy(path('savez.npz'), path('comment.npz'))
    with zipfile.ZipFile(path('comment.npz'), 'a') as zf:
        zf.comment = b'an archive comment, PK\x05\x06 included'
    forced_zip64_zip('zip64_stored.npz', named, zipfile.ZIP_STORED)
    forced_zip64_zip('zip64_deflated.npz', named, zipfile.ZIP_DEFLATED)
    good_npz = ['savez.npz', 'savez_compressed.npz', 'comment.npz', 'zip64_stored.npz', 'zip64_deflated.npz']
    for file in good_npz:
        check_netc_reads(file, named)
    check_netc_reads('positional.npz', [('arr_0', named[1][1]), ('arr_1', named[3][1])])

    f32 = named[4][1]
    np.save(path('float64.npy'), f32.astype(np.float64))
    check_netc_rejects('float64.npy', "dtype float64 ('<f8'); netc needs float32")
    np.save(path('bigendian.npy'), f32.astype('>f4'))
    check_netc_rejects('bigendian.npy', "big-endian ('>f4')")
    np.save(path('fortran.npy'), np.asfortranarray(f32[0, 0]))
    check_netc_rejects('fortran.npy', 'fortran_order is True')
    np.save(path('int32.npy'), np.arange(4, dtype=np.int32))
    check_netc_rejects('int32.npy', "dtype int32 ('<i4')")
    np.save(path('bool.npy'), np.ones(3, dtype=bool))
    check_netc_rejects('bool.npy', "dtype bool ('|b1')")

    np.savez(path('float64.npz'), ok=f32, **{'dense/w64': f32.astype(np.float64)})
    check_netc_rejects('float64.npz', "member 'dense/w64': dtype float64 ('<f8')")
    np.savez_compressed(path('bigendian.npz'), ok=f32, be=f32.astype('>f4'))
    check_netc_rejects('bigendian.npz', "member 'be': dtype float32 big-endian")
    np.savez(path('fortran.npz'), fo=np.asfortranarray(f32[0, 0]))
    check_netc_rejects('fortran.npz', "member 'fo': fortran_order is True")
    with zipfile.ZipFile(path('bzip2.npz'), 'w', compression=zipfile.ZIP_BZIP2) as zf:
        with zf.open('bz.npy', 'w') as f:
            np.lib.format.write_array(f, f32)
    check_netc_rejects('bzip2.npz', "member 'bz': unsupported compression method 12 (bzip2)")
    data = bytearray(open(path('savez.npz'), 'rb').read())
    data[data.index(b'\x93NUMPY') + 1000] ^= 0x10  # inside the first member's values
    open(path('corrupt.npz'), 'wb').write(data)
    check_netc_rejects('corrupt.npz', f"member '{weights}': CRC-32 mismatch")
    data = open(path('savez_compressed.npz'), 'rb').read()
    open(path('truncated.npz'), 'wb').write(data[:len(data) // 2])
    check_netc_rejects('truncated.npz', 'truncated')

    print('-- (b) netc writes, NumPy reads')
    for file, a in good_npy:
        out = 'netc_' + file
        if tool('copy', path(file), path(out)).returncode == 0:
            check_numpy_reads(out, [('', a)])
    for file in ['savez.npz', 'savez_compressed.npz']:
        for mode in ['stored', 'deflated', 'zip64', 'zip64-deflated']:
            out = f'netc_{mode}_{file}'
            r = tool('copy', path(file), path(out), mode)
            if r.returncode == 0:
                check_numpy_reads(out, named)
            else:
                report(False, f'netc writes {out}', r.stderr.strip())

    print(f'{results["ok"]} checks passed, {results["FAIL"]} failed')
    return 1 if results['FAIL'] else 0


if __name__ == '__main__':
    sys.exit(main())
