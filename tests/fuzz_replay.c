/* Replays every file of a fuzz corpus folder through LLVMFuzzerTestOneInput
 * once, for builds without libFuzzer (gcc, the sanitizer build). Prints the
 * count; exits 1 if the folder is missing or empty, so a lost corpus fails. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n;
    uint8_t *buf;
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int count = 0;
    for (int a = 1; a < argc; a++) {
        DIR *d = opendir(argv[a]);
        struct dirent *e;
        if (!d) {
            fprintf(stderr, "fuzz_replay: cannot open %s\n", argv[a]);
            return 1;
        }
        while ((e = readdir(d))) {
            char path[4096];
            struct stat st;
            if (e->d_name[0] == '.') continue;
            snprintf(path, sizeof path, "%s/%s", argv[a], e->d_name);
            if (stat(path, &st) || !S_ISREG(st.st_mode)) continue;
            if (replay_file(path) == 0) count++;
        }
        closedir(d);
    }
    printf("fuzz_replay: %d inputs replayed\n", count);
    return count > 0 ? 0 : 1;
}
