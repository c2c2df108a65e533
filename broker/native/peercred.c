// SO_PEERCRED for Node: Node's net module exposes no getsockopt, so the broker reads
// the peer's uid/gid/pid of an accepted Unix socket through this N-API function.
// N-API (not V8/nan) keeps it ABI-stable across Node versions; it needs only node_api.h.
//
// It also hardens the process, which Node cannot do itself: PR_SET_DUMPABLE 0 (no core dump,
// no ptrace by same-UID processes, /proc/<pid>/mem and environ root-only) and RLIMIT_CORE 0.
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <node_api.h>

static napi_value fail(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

// peerCredentials(fd: number): { pid, uid, gid }
static napi_value peer_credentials(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    return fail(env, "EINVAL", "peerCredentials(fd) needs a file descriptor");
  }
  int32_t fd;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    return fail(env, "EINVAL", "peerCredentials(fd) needs a non-negative integer");
  }
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    int err = errno;
    return fail(env, err == EBADF ? "EBADF" : err == ENOTSOCK ? "ENOTSOCK" : "EPEERCRED", strerror(err));
  }
  napi_value result, pid, uid, gid;
  napi_create_object(env, &result);
  napi_create_int32(env, cred.pid, &pid);
  napi_create_uint32(env, cred.uid, &uid);
  napi_create_uint32(env, cred.gid, &gid);
  napi_set_named_property(env, result, "pid", pid);
  napi_set_named_property(env, result, "uid", uid);
  napi_set_named_property(env, result, "gid", gid);
  return result;
}

// hardenProcess(): undefined; throws when either call fails. Decrypted secrets live in this
// process's memory, so it must never be dumped to disk or read by another process of its user.
static napi_value harden_process(napi_env env, napi_callback_info info) {
  (void)info;
  struct rlimit none = { 0, 0 };
  if (setrlimit(RLIMIT_CORE, &none) != 0) {
    return fail(env, "ERLIMIT", strerror(errno));
  }
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return fail(env, "EDUMPABLE", strerror(errno));
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn, harden;
  napi_create_function(env, "peerCredentials", NAPI_AUTO_LENGTH, peer_credentials, NULL, &fn);
  napi_set_named_property(env, exports, "peerCredentials", fn);
  napi_create_function(env, "hardenProcess", NAPI_AUTO_LENGTH, harden_process, NULL, &harden);
  napi_set_named_property(env, exports, "hardenProcess", harden);
  return exports;
}
