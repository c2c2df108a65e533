// A tiny FUSE file system for tests: a project folder holding one manifest,
// .devcontainer/remo-broker.toml, whose contents come from a real file and whose
// read() never returns while a flag file exists (a hung network or FUSE mount, as a
// broker may meet one). Every other operation answers at once.
//
// usage: hanging-fs <mountpoint> <contents-file> <hang-flag-file> <uid> <gid> [fuse options]
#define FUSE_USE_VERSION 31
#include <fuse.h>
#include <errno.h>
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
  fi->direct_io = 1;
  return 0;
}

static int hfs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)fi;
  if (strcmp(path, file_path) != 0) return -ENOENT;
  // Hang: this request is never answered while the flag exists (the thread sleeps; unmounting
  // ends the process).
  while (access(hang_flag, F_OK) == 0) sleep(1);
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
