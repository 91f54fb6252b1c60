/* png_close A.png B.png MAX: compares two screenshots of the same size
 * channel by channel. Prints the largest difference and how many pixels
 * differ by more than MAX; exits 0 if none does, 1 if some do, 2 if a file
 * cannot be read or the sizes differ. For tests that draw the same screen
 * two ways (texture copies and hand-drawn masks blend with different
 * rounding). */
#include <SDL2/SDL.h>
#include <SDL2/SDL_image.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    SDL_Surface *a0, *b0, *a, *b;
    int maxd = 0, limit;
    long over = 0;
    if (argc != 4) {
        fprintf(stderr, "usage: png_close A.png B.png MAX\n");
        return 2;
    }
    limit = atoi(argv[3]);
    a0 = IMG_Load(argv[1]);
    b0 = IMG_Load(argv[2]);
    if (!a0 || !b0) {
        fprintf(stderr, "png_close: cannot read %s\n", a0 ? argv[2] : argv[1]);
        return 2;
    }
    a = SDL_ConvertSurfaceFormat(a0, SDL_PIXELFORMAT_ARGB8888, 0);
    b = SDL_ConvertSurfaceFormat(b0, SDL_PIXELFORMAT_ARGB8888, 0);
    if (!a || !b || a->w != b->w || a->h != b->h) {
        fprintf(stderr, "png_close: %s and %s differ in size\n", argv[1], argv[2]);
        return 2;
    }
    for (int y = 0; y < a->h; y++) {
        const Uint32 *ra = (const Uint32 *)((const Uint8 *)a->pixels + y * a->pitch);
        const Uint32 *rb = (const Uint32 *)((const Uint8 *)b->pixels + y * b->pitch);
        for (int x = 0; x < a->w; x++) {
            int worst = 0;
            for (int sh = 0; sh < 24; sh += 8) {
                int d = abs((int)((ra[x] >> sh) & 0xFF) - (int)((rb[x] >> sh) & 0xFF));
                if (d > worst) worst = d;
            }
            if (worst > maxd) maxd = worst;
            if (worst > limit) over++;
        }
    }
    printf("png_close: %s: max channel difference %d, %ld pixels over %d\n", argv[2], maxd, over,
           limit);
    SDL_FreeSurface(a0);
    SDL_FreeSurface(b0);
    SDL_FreeSurface(a);
    SDL_FreeSurface(b);
    return over ? 1 : 0;
}
