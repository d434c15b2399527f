"""The moto server, with the behaviours Vigil's tests depend on made to match AWS.

Run as `python vigil_moto.py -H 127.0.0.1 -p PORT` (the same arguments as `moto_server`).
Every module in `patches/` is imported before the server starts; each patches one service
and says in its docstring which AWS behaviour it restores or which missing API it adds.
Everything else is moto as pinned in requirements-dev.txt.
"""

import importlib
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

for patch in sorted((HERE / "patches").glob("*.py")):
    if patch.stem != "__init__":
        importlib.import_module(f"patches.{patch.stem}")

if __name__ == "__main__":
    from moto.server import main

    main()
