"""Serves /simple/<project>/ for a project with 2,000 files and measures requests per second with wrk.

Usage: python3 scripts/bench-simple.py --binary .build/release/depot
Builds a PEP 503 upstream in a temp folder, mirrors it passively into a Depot channel, then runs
`wrk -t2 -c32 -d10s` against the HTML and the JSON (PEP 691) page of that project.
"""
import argparse, hashlib, http.server, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--duration", default="10s")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="depot-bench-simple-")
    up = os.path.join(tmp, "up")
    os.makedirs(os.path.join(up, "simple", "big"))
    links = []
    for i in range(args.files):
        name = f"big-1.{i}.tar.gz" if i % 2 else f"big-1.{i}-py3-none-any.whl"
        digest = hashlib.sha256(name.encode()).hexdigest()
        links.append(f'<a href="../../files/{name}#sha256={digest}" data-requires-python="&gt;=3.8">{name}</a>')
    open(os.path.join(up, "simple", "index.html"), "w").write('<a href="big/">big</a>')
    open(os.path.join(up, "simple", "big", "index.html"), "w").write("<html><body>" + "\n".join(links) + "</body></html>")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=up, **k)

        def log_message(self, *a):
            pass

    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Quiet)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    data = os.path.join(tmp, "data")
    env = dict(os.environ, DEPOT_ADMIN_PASSWORD="bench-password-1", DEPOT_BCRYPT_COST="4", DEPOT_LOG_LEVEL="warning")
    server = subprocess.Popen([args.binary, "serve", "--port", str(port), "--data", data], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if urllib.request.urlopen(base + "/healthz").read() == b"ok":
                    break
            except Exception:
                time.sleep(0.1)
        token = subprocess.check_output([args.binary, "token", "create", "admin", "--data", data]).decode().strip()

        def api(method, path, body=None):
            req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None,
                                         headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            return json.loads(urllib.request.urlopen(req).read() or b"{}")

        api("POST", "/api/v1/orgs", {"name": "bench"})
        api("POST", "/api/v1/channels", {"org": "bench", "name": "py", "privacy": "public"})
        mirror = api("POST", "/api/v1/channels/py/mirrors", {"name": "up", "type": "python", "mode": "passive",
                     "source_url": f"http://127.0.0.1:{upstream.server_address[1]}/simple", "run_now": True})
        for _ in range(600):
            if api("GET", f"/api/v1/mirrors/{mirror['id']}")["status"] in ("completed", "failed"):
                break
            time.sleep(0.1)
        url = base + "/api/repo/py/simple/big/"
        for label, header in (("HTML", []), ("JSON", ["-H", "Accept: application/vnd.pypi.simple.v1+json"])):
            size = len(urllib.request.urlopen(urllib.request.Request(url, headers=dict([h.split(": ", 1) for h in header[1:]]))).read())
            out = subprocess.run(["wrk", "-t2", "-c32", "-d" + args.duration] + header + [url], capture_output=True, text=True).stdout
            rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
            print(f"simple: /simple/<project>/ with {args.files} files, {label} ({size / 1e3:.0f} KB): "
                  f"{rps.group(1) if rps else '?'} requests/s (wrk -t2 -c32 -d{args.duration})")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        upstream.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
