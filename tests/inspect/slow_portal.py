#!/usr/bin/env python3
"""serve_portal.py, but pages under /slow/ answer after 1.5 seconds (a slow
back end behind one column), for the self-inspection's availability check.

  slow_portal.py SERVE_PORTAL_DIR SITE_DIR
"""
import sys, time

sys.path.insert(0, sys.argv[1])
import serve_portal  # noqa: E402

plain = serve_portal.make_handler


def make_handler(portal, log):
    base = plain(portal, log)

    class Slow(base):
        def respond(self, head):
            if self.path.startswith("/slow/"):
                time.sleep(1.5)
            return base.respond(self, head)

    return Slow


serve_portal.make_handler = make_handler
sys.argv = ["serve_portal.py", sys.argv[2]]
serve_portal.main()
