// The libc calls of the CLI's short-lived processes (libc.ts) and of the daemon (its native.ts) as a
// Node-API module: the same calls they otherwise make through koffi, whose module (1.6 MB) and the binding
// of each call's prototype cost the CLI more than the calls themselves, and the idle daemon 1.8 MB of RSS.
// Built by scripts/build-native.mjs with the system's C compiler; no Node headers are needed: the few
// Node-API functions used are declared here (their ABI is stable), and their symbols resolve against the
// node binary when the module is loaded.
//
// Every call returns what libc returns and keeps its errno for errno(): the caller reads it with a call of
// its own, after which errno itself would no longer be the call's. Arguments of the wrong type make a call
// fail with EINVAL without making it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status;
typedef napi_value (*napi_callback)(napi_env, napi_callback_info);
typedef int napi_typedarray_type;
#define NAPI_OK 0

napi_status napi_get_cb_info(napi_env, napi_callback_info, size_t *, napi_value *, napi_value *, void **);
napi_status napi_get_value_int32(napi_env, napi_value, int32_t *);
napi_status napi_get_value_double(napi_env, napi_value, double *);
napi_status napi_create_string_utf8(napi_env, const char *, size_t, napi_value *);
napi_status napi_get_value_string_utf8(napi_env, napi_value, char *, size_t, size_t *);
napi_status napi_get_typedarray_info(napi_env, napi_value, napi_typedarray_type *, size_t *, void **, napi_value *, size_t *);
napi_status napi_get_array_length(napi_env, napi_value, uint32_t *);
napi_status napi_get_element(napi_env, napi_value, uint32_t, napi_value *);
napi_status napi_create_int32(napi_env, int32_t, napi_value *);
napi_status napi_create_double(napi_env, double, napi_value *);
napi_status napi_create_function(napi_env, const char *, size_t, napi_callback, void *, napi_value *);
napi_status napi_set_named_property(napi_env, napi_value, const char *, napi_value);

/** Bumped whenever a call is added or changes: libc.ts loads only a module of its own version. */
#define BINDING_VERSION 2
#define UINT8_ARRAY 1
#define MAX_ARGS 4

/** The errno of the last call, per thread (a module is loaded once per process, workers included). */
static __thread int last_errno = 0;

static napi_value int_value(napi_env env, int32_t n) {
  napi_value v = NULL;
  napi_create_int32(env, n, &v);
  return v;
}

/** -1 with errno EINVAL: the answer to arguments that are not what the call takes. */
static napi_value invalid(napi_env env) {
  last_errno = EINVAL;
  return int_value(env, -1);
}

/** The call's arguments; false when fewer than `want` were given. */
static int args(napi_env env, napi_callback_info info, napi_value *argv, size_t want) {
  size_t argc = MAX_ARGS;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != NAPI_OK) return 0;
  return argc >= want;
}

static int int_arg(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == NAPI_OK;
}

/** A JS string as a C string of the heap (to free), or NULL. */
static char *string_arg(napi_env env, napi_value v) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &length) != NAPI_OK) return NULL;
  char *s = malloc(length + 1);
  if (s == NULL) return NULL;
  if (napi_get_value_string_utf8(env, v, s, length + 1, &length) != NAPI_OK) {
    free(s);
    return NULL;
  }
  return s;
}

/** A Uint8Array's bytes and length. */
static int bytes_arg(napi_env env, napi_value v, void **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset) != NAPI_OK) return 0;
  return type == UINT8_ARRAY;
}

static void free_strings(char **list) {
  if (list == NULL) return;
  for (char **p = list; *p != NULL; p++) free(*p);
  free(list);
}

/** A JS array of strings as a NULL-terminated array of C strings (to free_strings), or NULL. */
static char **strings_arg(napi_env env, napi_value v) {
  uint32_t n = 0;
  if (napi_get_array_length(env, v, &n) != NAPI_OK) return NULL;
  char **list = calloc((size_t)n + 1, sizeof(char *));
  if (list == NULL) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    if (napi_get_element(env, v, i, &item) != NAPI_OK || (list[i] = string_arg(env, item)) == NULL) {
      free_strings(list);
      return NULL;
    }
  }
  return list;
}

/** socket(domain, type, protocol) */
static napi_value call_socket(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t domain, type, protocol;
  if (!args(env, info, argv, 3) || !int_arg(env, argv[0], &domain) || !int_arg(env, argv[1], &type) || !int_arg(env, argv[2], &protocol)) return invalid(env);
  int r = socket(domain, type, protocol);
  last_errno = errno;
  return int_value(env, r);
}

/** connect(fd, path): a Unix socket by its path; ENAMETOOLONG where sun_path cannot hold it. */
static napi_value call_connect_unix(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t fd;
  if (!args(env, info, argv, 2) || !int_arg(env, argv[0], &fd)) return invalid(env);
  char *path = string_arg(env, argv[1]);
  if (path == NULL) return invalid(env);
  struct sockaddr_un address;
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  size_t length = strlen(path);
  if (length >= sizeof address.sun_path) {
    free(path);
    last_errno = ENAMETOOLONG;
    return int_value(env, -1);
  }
  memcpy(address.sun_path, path, length);
  free(path);
  int r = connect(fd, (struct sockaddr *)&address, sizeof address);
  last_errno = errno;
  return int_value(env, r);
}

/** send(fd, bytes, length, flags): at most the array's length is sent. */
static napi_value call_send(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t fd, length, flags;
  void *data;
  size_t size;
  if (!args(env, info, argv, 4) || !int_arg(env, argv[0], &fd) || !bytes_arg(env, argv[1], &data, &size) || !int_arg(env, argv[2], &length) || !int_arg(env, argv[3], &flags) || length < 0) return invalid(env);
  ssize_t r = send(fd, data, (size_t)length < size ? (size_t)length : size, flags);
  last_errno = errno;
  return int_value(env, (int32_t)r);
}

/** read(fd, into, length): at most the array's length is read. */
static napi_value call_read(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t fd, length;
  void *data;
  size_t size;
  if (!args(env, info, argv, 3) || !int_arg(env, argv[0], &fd) || !bytes_arg(env, argv[1], &data, &size) || !int_arg(env, argv[2], &length) || length < 0) return invalid(env);
  ssize_t r = read(fd, data, (size_t)length < size ? (size_t)length : size);
  last_errno = errno;
  return int_value(env, (int32_t)r);
}

/** poll of one fd: poll1(fd, events, timeoutMs), the count of ready fds (0 or 1), or -1. */
static napi_value call_poll1(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t fd, events, timeout;
  if (!args(env, info, argv, 3) || !int_arg(env, argv[0], &fd) || !int_arg(env, argv[1], &events) || !int_arg(env, argv[2], &timeout)) return invalid(env);
  struct pollfd p = {.fd = fd, .events = (short)events, .revents = 0};
  int r = poll(&p, 1, timeout);
  last_errno = errno;
  return int_value(env, r);
}

static napi_value call_close(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t fd;
  if (!args(env, info, argv, 1) || !int_arg(env, argv[0], &fd)) return invalid(env);
  int r = close(fd);
  last_errno = errno;
  return int_value(env, r);
}

static napi_value call_isatty(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t fd;
  if (!args(env, info, argv, 1) || !int_arg(env, argv[0], &fd)) return invalid(env);
  int r = isatty(fd);
  last_errno = errno;
  return int_value(env, r);
}

/** fcntl(fd, cmd, arg) with an int argument (ignored by the commands that take none). */
static napi_value call_fcntl(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t fd, cmd, arg;
  if (!args(env, info, argv, 3) || !int_arg(env, argv[0], &fd) || !int_arg(env, argv[1], &cmd) || !int_arg(env, argv[2], &arg)) return invalid(env);
  int r = fcntl(fd, cmd, arg);
  last_errno = errno;
  return int_value(env, r);
}

/** signal(signal, SIG_DFL): 0, or -1. */
static napi_value call_signal_default(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t sig;
  if (!args(env, info, argv, 1) || !int_arg(env, argv[0], &sig)) return invalid(env);
  int r = signal(sig, SIG_DFL) == SIG_ERR ? -1 : 0;
  last_errno = errno;
  return int_value(env, r);
}

/** execve(file, argv, envp) from arrays of strings; returns only when it failed: -1. */
static napi_value call_execve(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  if (!args(env, info, argv, 3)) return invalid(env);
  char *file = string_arg(env, argv[0]);
  char **words = strings_arg(env, argv[1]);
  char **envp = strings_arg(env, argv[2]);
  if (file == NULL || words == NULL || envp == NULL) {
    free(file);
    free_strings(words);
    free_strings(envp);
    last_errno = ENOMEM;
    return int_value(env, -1);
  }
  execve(file, words, envp);
  last_errno = errno;
  free(file);
  free_strings(words);
  free_strings(envp);
  return int_value(env, -1);
}

/** prctl(option, arg2, 0, 0, 0) */
static napi_value call_prctl(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t option, arg2;
  if (!args(env, info, argv, 2) || !int_arg(env, argv[0], &option) || !int_arg(env, argv[1], &arg2)) return invalid(env);
  int r = prctl(option, (unsigned long)arg2, 0UL, 0UL, 0UL);
  last_errno = errno;
  return int_value(env, r);
}

/** The soft limit of `resource` set to `value` (at most the hard limit, which stays): 0, or -1. */
static napi_value call_lower_soft_limit(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t resource, value;
  if (!args(env, info, argv, 2) || !int_arg(env, argv[0], &resource) || !int_arg(env, argv[1], &value) || value < 0) return invalid(env);
  struct rlimit limit;
  int r = getrlimit(resource, &limit);
  if (r == 0) {
    limit.rlim_cur = (rlim_t)value < limit.rlim_max ? (rlim_t)value : limit.rlim_max;
    r = setrlimit(resource, &limit);
  }
  last_errno = errno;
  return int_value(env, r);
}

/** One of the limits of `resource` (the soft one, or the hard), as a number (Infinity for RLIM_INFINITY), or -1. */
static napi_value limit_value(napi_env env, napi_callback_info info, int hard) {
  napi_value argv[MAX_ARGS];
  int32_t resource;
  if (!args(env, info, argv, 1) || !int_arg(env, argv[0], &resource)) return invalid(env);
  struct rlimit limit;
  int r = getrlimit(resource, &limit);
  last_errno = errno;
  rlim_t n = hard ? limit.rlim_max : limit.rlim_cur;
  napi_value v = NULL;
  napi_create_double(env, r != 0 ? -1.0 : n == RLIM_INFINITY ? 1.0 / 0.0 : (double)n, &v);
  return v;
}

/** The soft limit of `resource`. */
static napi_value call_soft_limit(napi_env env, napi_callback_info info) {
  return limit_value(env, info, 0);
}

/** The hard limit of `resource`. */
static napi_value call_hard_limit(napi_env env, napi_callback_info info) {
  return limit_value(env, info, 1);
}

/** A limit argument: a whole number >= 0, Infinity for RLIM_INFINITY. */
static int limit_arg(napi_env env, napi_value v, rlim_t *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != NAPI_OK || !(d >= 0)) return 0;
  if (d == 1.0 / 0.0) {
    *out = RLIM_INFINITY;
    return 1;
  }
  if (d != (double)(rlim_t)d) return 0;
  *out = (rlim_t)d;
  return 1;
}

/** setrlimit(resource, {soft, hard}): 0, or -1. */
static napi_value call_set_limits(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t resource;
  struct rlimit limit;
  if (!args(env, info, argv, 3) || !int_arg(env, argv[0], &resource) || !limit_arg(env, argv[1], &limit.rlim_cur) || !limit_arg(env, argv[2], &limit.rlim_max)) return invalid(env);
  int r = setrlimit(resource, &limit);
  last_errno = errno;
  return int_value(env, r);
}

/**
 * getsockopt(fd, SOL_SOCKET, SO_PEERCRED) into `into`, a Uint8Array of at least 12 bytes: the peer's pid,
 * uid and gid as three 32-bit integers in the machine's byte order. 0, or -1 (EPROTO for an answer of
 * another size).
 */
static napi_value call_peer_credentials(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t fd;
  void *data;
  size_t size;
  if (!args(env, info, argv, 2) || !int_arg(env, argv[0], &fd) || !bytes_arg(env, argv[1], &data, &size) || size < sizeof(struct ucred)) return invalid(env);
  struct ucred cred;
  socklen_t length = sizeof cred;
  int r = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length);
  last_errno = errno;
  if (r == 0 && length != sizeof cred) {
    last_errno = EPROTO;
    r = -1;
  }
  if (r == 0) memcpy(data, &cred, sizeof cred);
  return int_value(env, r);
}

/** flock(fd, operation): 0, or -1. */
static napi_value call_flock(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t fd, operation;
  if (!args(env, info, argv, 2) || !int_arg(env, argv[0], &fd) || !int_arg(env, argv[1], &operation)) return invalid(env);
  int r = flock(fd, operation);
  last_errno = errno;
  return int_value(env, r);
}

/** glibc's malloc_trim(0): 1 when memory went back to the kernel, 0 when none did, -1 (ENOSYS) without glibc. */
static napi_value call_malloc_trim(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef __GLIBC__
  return int_value(env, malloc_trim(0));
#else
  last_errno = ENOSYS;
  return int_value(env, -1);
#endif
}

/** strerror(errno) as a string. */
static napi_value call_strerror(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int32_t code;
  if (!args(env, info, argv, 1) || !int_arg(env, argv[0], &code)) return invalid(env);
  const char *text = strerror(code);
  napi_value v = NULL;
  napi_create_string_utf8(env, text, strlen(text), &v);
  return v;
}

static napi_value call_errno(napi_env env, napi_callback_info info) {
  (void)info;
  return int_value(env, last_errno);
}

static napi_value call_version(napi_env env, napi_callback_info info) {
  (void)info;
  return int_value(env, BINDING_VERSION);
}

static void define(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value f;
  if (napi_create_function(env, name, strlen(name), fn, NULL, &f) == NAPI_OK) napi_set_named_property(env, exports, name, f);
}

napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  define(env, exports, "socket", call_socket);
  define(env, exports, "connectUnix", call_connect_unix);
  define(env, exports, "send", call_send);
  define(env, exports, "read", call_read);
  define(env, exports, "poll1", call_poll1);
  define(env, exports, "close", call_close);
  define(env, exports, "isatty", call_isatty);
  define(env, exports, "fcntl", call_fcntl);
  define(env, exports, "signalDefault", call_signal_default);
  define(env, exports, "execve", call_execve);
  define(env, exports, "prctl", call_prctl);
  define(env, exports, "lowerSoftLimit", call_lower_soft_limit);
  define(env, exports, "softLimit", call_soft_limit);
  define(env, exports, "hardLimit", call_hard_limit);
  define(env, exports, "setLimits", call_set_limits);
  define(env, exports, "peerCredentials", call_peer_credentials);
  define(env, exports, "flock", call_flock);
  define(env, exports, "mallocTrim", call_malloc_trim);
  define(env, exports, "strerror", call_strerror);
  define(env, exports, "errno", call_errno);
  define(env, exports, "version", call_version);
  return exports;
}

/** The Node-API version the module is written against (Node 20 has 9). */
int32_t node_api_module_get_api_version_v1(void) {
  return 8;
}
