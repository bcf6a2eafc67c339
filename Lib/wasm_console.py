"""The interactive console of the browser page; runs inside the wasm interpreter.

It reads stdin line by line like the usual REPL, with one addition for the page: a pasted block
arrives framed by a line holding only STX ("\\x02") and a line holding only ETX ("\\x03"), and
is run as a whole, statement after statement, with expression values echoed as the REPL does.
So a pasted function definition followed by a call works without the blank line the plain REPL
would need. Prompts go to stdout without a newline; the page shows them as they come.
"""

import code
import sys

BLOCK_START = "\x02"
BLOCK_END = "\x03"


class Console(code.InteractiveConsole):
    def run_block(self, source: str) -> None:
        import ast  # only for pasted blocks: importing it at start-up delays the first prompt

        try:
            tree = ast.parse(source, "<paste>", "exec")
        except SyntaxError:
            self.showsyntaxerror("<paste>")
            return
        for statement in tree.body:
            try:
                compiled = compile(ast.Interactive(body=[statement]), "<paste>", "single")
            except (SyntaxError, ValueError):
                self.showsyntaxerror("<paste>")
                return
            if self.runcode(compiled):
                return

    def runcode(self, compiled) -> bool:  # type: ignore[override]
        """Like InteractiveConsole.runcode, but reports whether the code raised."""
        try:
            exec(compiled, self.locals)
        except SystemExit:
            raise
        except BaseException:
            self.showtraceback()
            return True
        return False

    def write(self, data: str) -> None:
        sys.stderr.write(data)
        sys.stderr.flush()


def read_line() -> str | None:
    line = sys.stdin.readline()
    return None if line == "" else line.rstrip("\n")


def main() -> None:
    console = Console()
    try:
        import wasm_completion  # the page's Tab asks it (Lib/wasm_site)

        wasm_completion.namespace = console.locals
    except ImportError:
        pass
    print(f"Python {sys.version} on {sys.platform}")
    print('Type Python code; paste several lines to run them as one block. "help()" for help.')
    more = False
    while True:
        sys.stdout.write(sys.ps2 if more else sys.ps1)
        sys.stdout.flush()
        try:
            line = read_line()
        except KeyboardInterrupt:  # Ctrl-C or Stop at the prompt: drop the pending lines
            sys.stderr.write("KeyboardInterrupt\n")
            console.resetbuffer()
            more = False
            continue
        if line is None:
            break
        if line == BLOCK_START and not more:
            block = []
            while (inner := read_line()) is not None and inner != BLOCK_END:
                block.append(inner)
            console.run_block("\n".join(block) + "\n")
            continue
        more = console.push(line)
        sys.stdout.flush()


if __name__ == "__main__":
    sys.ps1, sys.ps2 = ">>> ", "... "
    main()
