// A tiny FUSE file system for tests: a project folder holding one manifest,
// .devcontainer/remo-broker.toml, whose contents come from a real file. While a flag file
// exists, one kind of request is never answered (a hung network or FUSE mount, as a broker
// may meet one); the flag's contents say which:
//   "" or "read"  read() of the manifest (the default)
//   "getattr"     every getattr, so every lookup and stat of any path in the mount, the root too
//   "open"        open() of the manifest
//   "flush"       flush() and release() of the manifest (what close() waits for)
// Every other request answers at once.
//
// usage: hanging-fs <mountpoint> <contents-file> <hang-flag-file> <uid> <gid> [fuse options]
#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *contents_path;
static const char *hang_flag;
static uid_t owner_uid;
static gid_t owner_gid;

static const char dir_path[] = "/.devcontainer";
static const char file_path[] = "/.devcontainer/remo-broker.toml";

enum hang_mode { HANG_NONE, HANG_READ, HANG_GETATTR, HANG_OPEN, HANG_FLUSH };

// Read on every request, so a test can switch modes without remounting.
static enum hang_mode current_mode(void) {
  FILE *f = fopen(hang_flag, "r");
  if (f == NULL) return HANG_NONE;
  char word[16] = {0};
  size_t n = fread(word, 1, sizeof word - 1, f);
  fclose(f);
  while (n > 0 && (word[n - 1] == '\n' || word[n - 1] == ' ')) word[--n] = '\0';
  if (n == 0 || strcmp(word, "read") == 0) return HANG_READ;
  if (strcmp(word, "getattr") == 0) return HANG_GETATTR;
  if (strcmp(word, "open") == 0) return HANG_OPEN;
  if (strcmp(word, "flush") == 0) return HANG_FLUSH;
  return HANG_READ;
}

// How many requests are hanging right now, published in <hang-flag-file>.hung so a test can wait
// for a caller to be stuck instead of guessing with a sleep.
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static int hanging_now;

static void count_hanging(int delta) {
  pthread_mutex_lock(&count_lock);
  hanging_now += delta;
  char path[4096], tmp[4100];
  snprintf(path, sizeof path, "%s.hung", hang_flag);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (f != NULL) {
    fprintf(f, "%d\n", hanging_now);
    fclose(f);
    rename(tmp, path);
  }
  pthread_mutex_unlock(&count_lock);
}

// Never answers while `mode` is on: the thread sleeps, polling once a second (removing the flag
// or unmounting lets it go).
static void hang_while(enum hang_mode mode) {
  if (current_mode() != mode) return;
  count_hanging(1);
  while (current_mode() == mode) sleep(1);
  count_hanging(-1);
}

static off_t contents_size(void) {
  struct stat st;
  return stat(contents_path, &st) == 0 ? st.st_size : 0;
}

static void *hfs_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  (void)conn;
  // Nothing cached: every stat and read reaches this process, so a read after a restart hangs too.
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->direct_io = 1;
  cfg->use_ino = 0;
  return NULL;
}

static int hfs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  (void)fi;
  hang_while(HANG_GETATTR);
  memset(st, 0, sizeof *st);
  st->st_uid = owner_uid;
  st->st_gid = owner_gid;
  if (strcmp(path, "/") == 0 || strcmp(path, dir_path) == 0) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
  }
  if (strcmp(path, file_path) == 0) {
    st->st_mode = S_IFREG | 0644;
    st->st_nlink = 1;
    st->st_size = contents_size();
    return 0;
  }
  return -ENOENT;
}

static int hfs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
  (void)off; (void)fi; (void)flags;
  fill(buf, ".", NULL, 0, 0);
  fill(buf, "..", NULL, 0, 0);
  if (strcmp(path, "/") == 0) fill(buf, dir_path + 1, NULL, 0, 0);
  else if (strcmp(path, dir_path) == 0) fill(buf, "remo-broker.toml", NULL, 0, 0);
  else return -ENOENT;
  return 0;
}

static int hfs_open(const char *path, struct fuse_file_info *fi) {
  if (strcmp(path, file_path) != 0) return -ENOENT;
  if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EACCES;
  hang_while(HANG_OPEN);
  fi->direct_io = 1;
  return 0;
}

static int hfs_flush(const char *path, struct fuse_file_info *fi) {
  (void)path; (void)fi;
  hang_while(HANG_FLUSH);
  return 0;
}

static int hfs_release(const char *path, struct fuse_file_info *fi) {
  (void)path; (void)fi;
  hang_while(HANG_FLUSH);
  return 0;
}

static int hfs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)fi;
  if (strcmp(path, file_path) != 0) return -ENOENT;
  hang_while(HANG_READ);
  FILE *f = fopen(contents_path, "rb");
  if (f == NULL) return -EIO;
  int n = 0;
  if (fseeko(f, off, SEEK_SET) == 0) n = (int)fread(buf, 1, size, f);
  fclose(f);
  return n;
}

static const struct fuse_operations ops = {
  .init = hfs_init,
  .getattr = hfs_getattr,
  .readdir = hfs_readdir,
  .open = hfs_open,
  .read = hfs_read,
  .flush = hfs_flush,
  .release = hfs_release,
};

int main(int argc, char *argv[]) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s <mountpoint> <contents-file> <hang-flag-file> <uid> <gid> [fuse options]\n", argv[0]);
    return 2;
  }
  contents_path = argv[2];
  hang_flag = argv[3];
  owner_uid = (uid_t)strtoul(argv[4], NULL, 10);
  owner_gid = (gid_t)strtoul(argv[5], NULL, 10);
  // fuse_main sees: prog mountpoint -f [options...]
  char *fargs[64];
  int n = 0;
  fargs[n++] = argv[0];
  fargs[n++] = argv[1];
  fargs[n++] = "-f";
  for (int i = 6; i < argc && n < 63; i++) fargs[n++] = argv[i];
  fargs[n] = NULL;
  return fuse_main(n, fargs, &ops, NULL);
}
