// Added with --post-js by the noderawfs_fstat fix of Tools/wasm/versions.toml.
//
// Emscripten 6.0.5's fstat() for the Node target's file system (NODERAWFS) reads
// stream.node.node_ops for every stream, but a file opened through Node has no node, so
// os.fstat(), io.open() and every import from a file died with "TypeError: Cannot read
// properties of undefined (reading 'node_ops')". Such streams are answered from Node's own
// fstat, as that function means to. Builds without NODERAWFS (the browser) are left alone.
if (typeof NODERAWFS != 'undefined') {
  var wasmbuildFstat = FS.fstat;
  FS.fstat = function(fd) {
    var stream = FS.getStreamChecked(fd);
    if (stream.stream_ops || stream.node) {
      return wasmbuildFstat(fd);
    }
    try {
      return fs.fstatSync(stream.nfd);
    } catch (e) {
      if (e.code) {
        throw new FS.ErrnoError(ERRNO_CODES[e.code]);
      }
      throw e;
    }
  };
}
