// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb
// in a temporary directory, the server listening only on a unix socket
// there, stopped and removed by Stop. No system service is involved. As
// root it runs the server as the postgres user (or nobody), since
// PostgreSQL refuses to run as root.
//
// SEKISHO_TEST_POSTGRES=postgres://… uses an existing server instead.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a running PostgreSQL.
type Cluster struct {
	dir  string // "" for an external server
	bin  string
	cred *syscall.Credential
	base string // URL of the postgres database
	opts string // the server's options
	seq  atomic.Int64
	log  string
}

// ErrNoPostgres: PostgreSQL's binaries are not installed.
var ErrNoPostgres = errors.New("pgtest: PostgreSQL is not installed (scripts/deps installs it)")

// BinDir finds PostgreSQL's server binaries: Debian's
// /usr/lib/postgresql/<version>/bin, newest first, or initdb on PATH.
func BinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrNoPostgres
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// Start starts a cluster.
func Start() (*Cluster, error) {
	if url := os.Getenv("SEKISHO_TEST_POSTGRES"); url != "" {
		return &Cluster{base: url}, nil
	}
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sekisho-pg")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin, log: filepath.Join(dir, "log")}
	if os.Geteuid() == 0 {
		uid, gid := 65534, 65534
		for _, name := range []string{"postgres", "nobody"} {
			if u, err := user.Lookup(name); err == nil {
				uid, _ = strconv.Atoi(u.Uid)
				gid, _ = strconv.Atoi(u.Gid)
				break
			}
		}
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := c.cmd("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// Only a unix socket in dir; fsync stays on (the crash tests rely on
	// durability), but the WAL is small and checkpoints rare.
	c.opts = fmt.Sprintf("-c listen_addresses='' -k %s -c max_connections=300 -c shared_buffers=128MB -c max_wal_size=1GB", dir)
	if err := c.Resume(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c.base = fmt.Sprintf("postgres://postgres@/postgres?host=%s", dir)
	return c, nil
}

func (c *Cluster) cmd(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

// URL returns the URL of the cluster's postgres database.
func (c *Cluster) URL() string { return c.base }

// NewDatabase creates an empty database and returns its URL.
func (c *Cluster) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("sekisho_test_%d_%d", os.Getpid(), c.seq.Add(1))
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.base)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	cfg, err := pgx.ParseConfig(c.base)
	if err != nil {
		return "", err
	}
	if c.dir != "" {
		return fmt.Sprintf("postgres://postgres@/%s?host=%s", name, c.dir), nil
	}
	return fmt.Sprintf("postgres://%s:%s@%s:%d/%s", cfg.User, cfg.Password, cfg.Host, cfg.Port, name), nil
}

// Halt stops the server (a fast shutdown: clients are disconnected),
// keeping its files for Resume.
func (c *Cluster) Halt() error {
	if out, err := c.cmd("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "fast", "-w", "stop").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

// Resume starts the server (again).
func (c *Cluster) Resume() error {
	if out, err := c.cmd("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-l", c.log, "-w", "-t", "60", "-o", c.opts, "start").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, c.Logs())
	}
	return nil
}

// Stop stops the cluster and removes its files.
func (c *Cluster) Stop() {
	if c == nil || c.dir == "" {
		return
	}
	c.cmd("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop").Run()
	os.RemoveAll(c.dir)
}

// Logs returns the server's log.
func (c *Cluster) Logs() string {
	b, _ := os.ReadFile(c.log)
	return string(b)
}
