#!/usr/bin/python3
"""netc repl at a real terminal (a pseudo-terminal): the prompts and the
continuation prompt, a line edited with the arrow keys and backspace, history,
Tab completion, and Ctrl-C at a prompt, during a compile, during a run and
during :train.

    /usr/bin/python3 tests/repl/pty_test.py build/bin/netc
"""
import os
import pty
import re
import select
import sys
import tempfile
import time

LEFT, UP, END = "\x1b[D", "\x1b[A", "\x05"
BACKSPACE, CTRL_C, CTRL_D, TAB = "\x7f", "\x03", "\x04", "\t"


class Terminal:
    def __init__(self, argv, home):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ.update(HOME=home, TERM="xterm", NETC_HISTORY=os.path.join(home, "history"))
            os.execv(argv[0], argv)
        self.seen = ""  # everything the terminal showed
        self.mark = 0   # expect() searches from here

    def read(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # the child is gone
                return False
            if not data:
                return False
            self.seen += data.decode(errors="replace")
        return True

    def expect(self, pattern, seconds=30, what=None):
        """Waits until pattern shows up after the previous match."""
        end = time.time() + seconds
        while True:
            m = re.compile(pattern).search(self.seen, self.mark)
            if m:
                self.mark = m.end()
                return m
            if time.time() > end or not self.read(0.1):
                tail = self.seen[self.mark:][-1500:]
                raise AssertionError(f"{what or pattern!r} did not appear within {seconds} s; after the last "
                                     f"match the terminal showed:\n{tail!r}")

    def type(self, keys):
        os.write(self.fd, keys.encode())

    def wait(self, seconds=30):
        end = time.time() + seconds
        while time.time() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            self.read(0.1)
        raise AssertionError("netc repl did not exit after Ctrl-D")


def main():
    netc = os.path.abspath(sys.argv[1])
    checks = 0
    with tempfile.TemporaryDirectory() as home:
        t = Terminal([netc, "repl"], home)
        PROMPT, MORE = r"netc> ", r" \.\.\.> "
        t.expect(r":help lists the commands")
        t.expect(PROMPT)

        # A definition over three lines: the continuation prompt in between.
        t.type("network n(x: f32[N, 8, 8, 3]) {\r")
        t.expect(MORE, what="the continuation prompt")
        t.type("  return conv2d(x, 4, 3) @ c\r")
        t.expect(MORE, what="the continuation prompt")
        t.type("}\r")
        t.expect(r"defined network n: \[N, 8, 8, 3\] -> \[N, 8, 8, 4\]")
        t.expect(PROMPT)
        checks += 1

        # Editing: "const c = 12", left arrow, backspace deletes the 1.
        t.type("const c = 12" + LEFT + BACKSPACE + "\r")
        t.expect(r"defined const c = 2\r\n", what="the edited line 'const c = 2'")
        t.expect(PROMPT)
        checks += 1

        # History: up arrow brings the line back; end of line, backspace, 7.
        t.type(UP + END + BACKSPACE + "7\r")
        t.expect(r"redefined const c = 7\r\n", what="the recalled line, edited to 'const c = 7'")
        t.expect(PROMPT)
        checks += 1

        # Tab completes a command, then a network's name.
        t.type(":summ" + TAB)
        t.expect(r"ary ", what="':summ' completed to ':summary '")
        t.type(TAB)
        t.type("\r")
        t.expect(r"Total params: 112")
        t.expect(PROMPT)
        checks += 1

        # Ctrl-C drops a half-typed line ...
        t.type("const zz = 5")
        t.expect(r"const zz = 5")
        t.type(CTRL_C)
        t.expect(PROMPT, what="a fresh prompt after Ctrl-C")
        t.type(":shape 1 + 1\r")
        t.expect(r":shape 1 \+ 1\r\n2\r\n", what="the line typed after Ctrl-C, alone")
        t.expect(PROMPT)
        checks += 1

        # ... and, in a continuation, the unfinished definition.
        t.type("network m(x: f32[N, 8, 8, 3]) {\r")
        t.expect(MORE)
        t.type(CTRL_C)
        t.expect(PROMPT, what="a fresh prompt after Ctrl-C")
        t.type(":shape m\r")
        t.expect(r"error: unknown name 'm'")
        t.expect(PROMPT)
        checks += 1

        # Ctrl-C in a long run: benchmark steps without end, stopped.
        t.type(":bench n batch=2 steps=1000000000 burn_in=0\r")
        time.sleep(2.0)
        t.type(CTRL_C)
        t.expect(r"interrupted", seconds=20, what="'interrupted' after Ctrl-C during :bench")
        t.expect(PROMPT)
        t.type(":shape c * 2\r")
        t.expect(r"\r\n14\r\n", what="the session still working after the interrupted run")
        t.expect(PROMPT)
        checks += 1

        # Ctrl-C in a long compile: ResNet-50 v2's 39 kernels, stopped
        # between kernels.
        t.type(":load resnet_v2.net\r")
        t.expect(r"imported \"resnet_v2.net\"")
        t.expect(PROMPT)
        t.type(":run resnet_v2_50(image_size = 32)\r")
        # At the first kernel: on a fast machine the rest take a second or two.
        t.expect(r"compiling resnet_v2_50\(image_size = 32\): kernel", what="the compile's progress")
        t.type(CTRL_C)
        start = time.time()
        t.expect(r"interrupted", seconds=30, what="'interrupted' after Ctrl-C during a compile")
        t.expect(PROMPT)
        stopped_in = time.time() - start
        t.type(":cache\r")
        cache = t.expect(r":cache\r\n((?:.|\n)*?)netc> ").group(1)
        if not cache.startswith("n: 1 kernels") or "resnet_v2_50" in cache:
            raise AssertionError(f"the cache after the interrupted compile holds:\n{cache}")
        checks += 1

        # Ctrl-C in :train stops after the current step; the session keeps
        # the weights trained so far.
        import numpy as np
        rng = np.random.RandomState(0)
        data = os.path.join(home, "data.npz")
        np.savez(data, images=rng.rand(64, 4, 4, 1).astype(np.float32), labels=rng.randint(0, 3, size=64))
        t.type("network t(images: f32[N, 4, 4, 1], labels: i32[N]) {\r")
        t.expect(MORE)
        t.type("  return softmax_cross_entropy(fully_connected(flatten(images), 3) @ fc, labels)\r")
        t.expect(MORE)
        t.type("}\r")
        t.expect(r"defined network t")
        t.expect(PROMPT)
        t.type(f":train t data={data} batch=8 epochs=1000000\r")
        t.expect(r"\repoch \d+ step \d/8  loss", what="the progress line of :train")
        t.type(CTRL_C)
        m = t.expect(r"stopped by SIGINT after step (\d+) ", seconds=20, what="the stop after Ctrl-C during :train")
        t.expect(rf"the session's weights are those after step {m.group(1)}\r\n")
        t.expect(r"interrupted")
        t.expect(PROMPT)
        t.type(":weights\r")
        t.expect(rf"weights: :train t's weights after step {m.group(1)} ", what="the trained weights kept")
        t.expect(PROMPT)
        checks += 1

        # Ctrl-D leaves, with exit code 0.
        t.type(CTRL_D)
        code = t.wait()
        if code != 0:
            raise AssertionError(f"exit code {code} after Ctrl-D")
        checks += 1
        with open(os.path.join(home, "history")) as f:  # libedit writes spaces as \040
            if ":bench n batch=2" not in f.read().replace("\\040", " "):
                raise AssertionError("the history file does not hold the session's lines")
        checks += 1
    print(f"repl pty: {checks} checks passed (a compile stopped {stopped_in:.1f} s after Ctrl-C)")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAIL: {e}")
        sys.exit(1)
