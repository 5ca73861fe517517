"""Print where `meson install` puts the basin package for PREFIX (argv[1]): the
folder under PREFIX that this Python already searches (Debian's
PREFIX/lib/python3.X/dist-packages for /usr/local, the user site for ~/.local),
else PREFIX/lib/python3.X/site-packages, which then goes on PYTHONPATH.
Run at configure time by python/basin/meson.build; not part of the package."""

import os
import site
import sys

prefix = os.path.abspath(sys.argv[1])
lib = os.path.join(prefix, "lib", "python%d.%d" % sys.version_info[:2])
searched = [os.path.abspath(p) for p in sys.path if p]
try:
    searched.append(os.path.abspath(site.getusersitepackages()))
except AttributeError:
    pass
for leaf in ("dist-packages", "site-packages"):
    if os.path.join(lib, leaf) in searched:
        print(os.path.join(lib, leaf))
        break
else:
    print(os.path.join(lib, "site-packages"))
