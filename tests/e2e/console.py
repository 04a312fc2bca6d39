#!/usr/bin/python3
"""A console socket as containerd's runc shim serves one: accept one
connection, take the pty master from its SCM_RIGHTS message, set the window
size to 30 rows and 100 columns, type INPUT, and print what comes out until
the pty closes. usage: console.py SOCKET INPUT"""
import fcntl, os, socket, struct, sys, termios, time

path, text = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(1)
s.settimeout(120)
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(1024, socket.CMSG_SPACE(4))
fd = struct.unpack("i", anc[0][2][:4])[0]
print("name", msg.decode(), flush=True)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
time.sleep(0.5)
os.write(fd, text.encode())
out = b""
deadline = time.time() + 60
while time.time() < deadline:
    try:
        b = os.read(fd, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
print(out.decode(errors="replace"), flush=True)
