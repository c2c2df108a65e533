# Two network namespaces joined by a user-space delay line, because this kernel has no
# sch_netem (CONFIG_NET_SCH_NETEM is not set), so `tc qdisc ... netem delay` is unavailable.
# Made so that runs can overlap: the tun device names
# are arguments (unique per run), and the line exits when its parent dies (PR_SET_PDEATHSIG),
# so a killed benchmark never leaves a forwarding process behind.
# Creates tun DEV_A (in NS_A, ADDR_A) and DEV_B (in NS_B, ADDR_B), moves them into the
# namespaces, then forwards every IP packet between them after DELAY_MS (each way, so
# RTT = 2 x DELAY_MS). The devices vanish when this process exits.
# Usage (namespaces must exist):
#   python3 netns-delay.py NS_A NS_B DELAY_MS DEV_A DEV_B ADDR_A ADDR_B
import ctypes, fcntl, heapq, os, select, signal, struct, subprocess, sys, time

TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
PR_SET_PDEATHSIG = 1
ns_a, ns_b = sys.argv[1], sys.argv[2]
delay = float(sys.argv[3]) / 1000.0
dev_a, dev_b = sys.argv[4], sys.argv[5]
addr_a, addr_b = sys.argv[6], sys.argv[7]

try:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
except Exception:
    pass  # best effort: the caller also kills us by PID
if os.getppid() == 1:
    sys.exit(0)  # parent already gone before prctl took effect


def tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def sh(*a):
    subprocess.run(a, check=True)


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
fa, fb = tun(dev_a), tun(dev_b)
for dev, ns, me, peer in ((dev_a, ns_a, addr_a, addr_b), (dev_b, ns_b, addr_b, addr_a)):
    sh("ip", "link", "set", dev, "netns", ns)
    sh("ip", "-n", ns, "addr", "add", me, "peer", peer, "dev", dev)
    sh("ip", "-n", ns, "link", "set", dev, "up")
    sh("ip", "-n", ns, "link", "set", "lo", "up")

print("ready", flush=True)
other = {fa: fb, fb: fa}
q, seq = [], 0
while True:
    timeout = max(0.0, q[0][0] - time.monotonic()) if q else None
    ready, _, _ = select.select([fa, fb], [], [], timeout)
    now = time.monotonic()
    for fd in ready:
        while True:
            try:
                pkt = os.read(fd, 65536)
            except BlockingIOError:
                break
            heapq.heappush(q, (now + delay, seq, other[fd], pkt))
            seq += 1
    now = time.monotonic()
    while q and q[0][0] <= now:
        _, _, out, pkt = heapq.heappop(q)
        try:
            os.write(out, pkt)
        except OSError:
            pass
