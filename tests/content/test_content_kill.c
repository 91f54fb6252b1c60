/* kill -9 at random moments while a new content bundle is downloaded (its
 * file written in chunks, as the sender does), unpacked, synced and switched:
 * after every kill the kiosk's start (cinstall_boot) must find one complete
 * bundle whose every file matches its signed manifest: the old one or the
 * new one, never a mix and never none. Iterations: argv[1] (default 200);
 * KIOSK_TEST_RANDOM seeds the kill times. */
#include <signal.h>
#include <sys/wait.h>

#include "ctest_util.h"
#include "ktest.h"

#ifndef BUNDLE_SRC
#error "BUNDLE_SRC: the default content bundle"
#endif

static struct ctest T;

/* The child: download (copy in 16 KiB chunks with fsync), then install. */
static void child(const char *file)
{
    struct cinstall_cfg c;
    char inc[PATH_MAX], why[CINSTALL_WHY_SIZE], buf[16384];
    int64_t v;
    FILE *in = fopen(file, "rb"), *out;
    size_t k;
    ct_cfg(&T, &c);
    mkdir(T.state, 0700);
    cinstall_incoming_path(T.state, inc);
    out = fopen(inc, "wb");
    if (!in || !out) _exit(3);
    while ((k = fread(buf, 1, sizeof buf, in)) > 0) {
        fwrite(buf, 1, k, out);
        fflush(out);
        fsync(fileno(out));
    }
    fclose(in);
    fclose(out);
    _exit(cinstall_apply(&c, inc, (int64_t)time(NULL), &v, why) == KERR_OK ? 0 : 4);
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 200;
    const char *seed = getenv("KIOSK_TEST_RANDOM");
    char a[600], b[600], file[700], hash_a[CSIGN_SHA256_SIZE], hash_b[CSIGN_SHA256_SIZE];
    struct cinstall_cfg c;
    int killed = 0, finished = 0, newer = 0, older = 0, rolled = 0;
    long max_us = 60000;
    struct timespec t0, t1;
    CHECK(ct_setup(&T) == 0);
    ct_cfg(&T, &c);
    srand(seed ? (unsigned)atoi(seed) : (unsigned)time(NULL));
    CHECK(ct_content(&T, BUNDLE_SRC, "A", "示例通知甲", a, sizeof a) == 0);
    CHECK(ct_content(&T, BUNDLE_SRC, "B", "示例通知乙", b, sizeof b) == 0);
    {
        char p[700], *x;
        size_t n;
        snprintf(p, sizeof p, "%s/content.json", a);
        x = ct_slurp(p, &n);
        csign_sha256_hex(x, n, hash_a);
        free(x);
        snprintf(p, sizeof p, "%s/content.json", b);
        x = ct_slurp(p, &n);
        csign_sha256_hex(x, n, hash_b);
        free(x);
    }
    /* how long one whole install takes here: kills are spread over 1.3 of it */
    snprintf(file, sizeof file, "%s/v1.tar", T.dir);
    CHECK(ct_sign(&T, "pub1", a, 1, 30, 0, "all", file) == KERR_OK);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    {
        pid_t p = fork();
        int st;
        if (p == 0) child(file);
        waitpid(p, &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    max_us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
    max_us = max_us * 13 / 10 + 1000;
    printf("one install takes %.1f ms; killing at random in [0, %.1f] ms\n", max_us / 1300.0,
           max_us / 1000.0);
    for (int i = 0; i < iters; i++) {
        int64_t v = i + 2;
        struct cinstall_info info;
        char why[CINSTALL_WHY_SIZE], bdir[700], p[PATH_MAX + 32], h[CSIGN_SHA256_SIZE], *x;
        size_t n = 0;
        struct cinstall_state st0;
        pid_t pid;
        int status;
        cinstall_state_load(T.state, &st0);
        snprintf(file, sizeof file, "%s/v.tar", T.dir);
        CHECK(ct_sign(&T, "pub1", (i % 2) ? a : b, (int)v, 30, 0, "all", file) == KERR_OK);
        pid = fork();
        if (pid == 0) child(file);
        usleep((useconds_t)(rand() % max_us));
        if (kill(pid, SIGKILL) == 0) killed++;
        waitpid(pid, &status, 0);
        if (WIFEXITED(status)) finished++;
        /* the kiosk starts */
        cinstall_boot(&c, &info);
        CHECK(info.version > 0);
        if (info.version <= 0) continue;
        snprintf(bdir, sizeof bdir, "%s/b-%lld", T.state, (long long)info.version);
        CHECK(cinstall_verify_installed(bdir, NULL, why) == KERR_OK);
        snprintf(p, sizeof p, "%s/content.json", info.bundle_dir);
        x = ct_slurp(p, &n);
        CHECK(x != NULL);
        if (!x) continue;
        csign_sha256_hex(x, n, h);
        free(x);
        CHECK(strcmp(h, hash_a) == 0 || strcmp(h, hash_b) == 0);
        if (info.version == v) newer++;
        else if (st0.trial && info.version < st0.trial) rolled++;
        else older++;
        /* a bundle that survived its start is good: the next kill tests the
         * next version against it */
        cinstall_mark_good(T.state, info.version);
    }
    printf("content_kill: %d iterations, %d killed, %d finished first; started on the new "
           "bundle %d, the old %d, rolled back %d\n",
           iters, killed, finished, newer, older, rolled);
    CHECK(newer > 0 && older > 0);
    {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", T.dir);
        CHECK(system(cmd) == 0);
    }
    return ktest_done("content_kill9_always_starts_on_one_verified_bundle");
}
