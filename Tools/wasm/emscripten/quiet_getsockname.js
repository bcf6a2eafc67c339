// getsockname() without the debugging line Emscripten 3.1.6 prints on stderr for every call
// ("__syscall_getsockname 3" after a socket.connect()); versions.toml, fix "quiet_getsockname".
// It reports the socket's own address and port as the original does: the address it was
// bound to (0.0.0.0 when unbound), in the socket's family.
mergeInto(LibraryManager.library, {
  __syscall_getsockname__deps: ['$getSocketFromFD', '$writeSockaddr', '$DNS'],
  __syscall_getsockname: function(fd, addr, addrlen) {
    var socket = getSocketFromFD(fd);
    var bound = DNS.lookup_name(socket.saddr || '0.0.0.0');
    var errno = writeSockaddr(addr, socket.family, bound, socket.sport, addrlen);
    return errno ? -errno : 0;
  },
});
