/*
 * Load client for benchmarks/echo: N connections over epoll, compiled at run time by run.py.
 *
 *   loadclient pingpong PORT NCONN SIZE WARMUP DURATION SERVERPID
 *       Each connection sends SIZE bytes, waits until all SIZE come back, repeats.
 *   loadclient connect  PORT NCONN SIZE WARMUP DURATION SERVERPID
 *       Each slot connects, exchanges one SIZE-byte echo, closes with a reset (SO_LINGER 0,
 *       so no TIME_WAIT), and starts again.
 *
 * After WARMUP seconds it samples the server's user+sys CPU from /proc/SERVERPID/stat, and again
 * DURATION seconds later, so the CPU window matches the counted operations exactly. Prints one
 * line: "ops=N seconds=S cpu_seconds=C errors=E".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAXCONN = 256 };

struct conn {
    int fd;
    int connecting;
    size_t sent, received;
};

static struct conn conns[MAXCONN];
static int ep, port, nconn, connectMode;
static size_t size;
static char *outbuf, *inbuf;
static long ops, errors;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double serverCpu(int pid) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');  /* the command name may contain spaces */
    unsigned long utime = 0, stime = 0;
    /* after ")": state(3) ppid ... utime is field 14, stime 15 */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) {
        fprintf(stderr, "cannot parse %s\n", path);
        exit(2);
    }
    return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
}

static void watch(struct conn *c, int op) {
    struct epoll_event ev = {0};
    ev.events = EPOLLIN | ((c->connecting || c->sent < size) ? EPOLLOUT : 0);
    ev.data.ptr = c;
    if (epoll_ctl(ep, op, c->fd, &ev) < 0) { perror("epoll_ctl"); exit(2); }
}

static void openConn(struct conn *c) {
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) { perror("socket"); exit(2); }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->sent = c->received = 0;
    c->connecting = 1;
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
        perror("connect");
        exit(2);
    }
    watch(c, EPOLL_CTL_ADD);
}

static void closeConn(struct conn *c) {
    struct linger lg = {1, 0};  /* reset: no TIME_WAIT on either side */
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(c->fd);  /* also removes it from the epoll set */
}

static void restart(struct conn *c, int failed) {
    if (failed) errors++;
    closeConn(c);
    openConn(c);
}

static void sendMore(struct conn *c) {
    while (c->sent < size) {
        ssize_t n = send(c->fd, outbuf + c->sent, size - c->sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN) break;
            restart(c, 1);
            return;
        }
        c->sent += n;
    }
    watch(c, EPOLL_CTL_MOD);
}

static void handle(struct conn *c, unsigned events) {
    if (c->connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) { restart(c, 1); return; }
        if (!(events & EPOLLOUT)) return;
        c->connecting = 0;
        sendMore(c);
        return;
    }
    if (events & EPOLLIN) {
        for (;;) {
            ssize_t n = recv(c->fd, inbuf, size, 0);
            if (n < 0 && errno == EAGAIN) break;
            if (n <= 0) { restart(c, 1); return; }
            c->received += n;
            if (c->received >= size) break;
        }
        if (c->received >= size) {
            ops++;
            if (connectMode) { restart(c, 0); return; }
            c->sent = c->received = 0;
            sendMore(c);
            return;
        }
    }
    if ((events & EPOLLOUT) && c->sent < size) sendMore(c);
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: %s pingpong|connect PORT NCONN SIZE WARMUP DURATION SERVERPID\n", argv[0]);
        return 2;
    }
    connectMode = strcmp(argv[1], "connect") == 0;
    port = atoi(argv[2]);
    nconn = atoi(argv[3]);
    size = (size_t)atol(argv[4]);
    double warmup = atof(argv[5]), duration = atof(argv[6]);
    int pid = atoi(argv[7]);
    if (nconn < 1 || nconn > MAXCONN || size < 1) { fprintf(stderr, "bad arguments\n"); return 2; }
    outbuf = malloc(size);
    inbuf = malloc(size);
    memset(outbuf, 'x', size);
    ep = epoll_create1(0);
    for (int i = 0; i < nconn; i++) openConn(&conns[i]);

    struct epoll_event events[MAXCONN];
    double start = now(), t0 = 0, cpu0 = 0;
    long ops0 = 0;
    int measuring = 0;
    for (;;) {  /* bounded by the clock: warmup + duration */
        int n = epoll_wait(ep, events, MAXCONN, 50);
        for (int i = 0; i < n; i++) handle(events[i].data.ptr, events[i].events);
        double t = now();
        if (!measuring && t - start >= warmup) {
            measuring = 1;
            t0 = t; ops0 = ops; cpu0 = serverCpu(pid);
        } else if (measuring && t - t0 >= duration) {
            double cpu1 = serverCpu(pid);
            printf("ops=%ld seconds=%.6f cpu_seconds=%.4f errors=%ld\n", ops - ops0, t - t0,
                   cpu1 - cpu0, errors);
            return 0;
        }
        if (errors > 100000) { fprintf(stderr, "too many errors\n"); return 1; }
    }
}
