/* i18n: the UI's own strings, one catalogue per language (i18n.c: zh[] and
 * en[]). Content carries its own zh/en (struct content_text); this is only
 * for the words of the interface itself. Pure lookups; any thread. */
#ifndef I18N_H
#define I18N_H

#include "content.h"

enum str_id {
    S_BACK,
    S_HOME,
    S_LANG_TOGGLE, /* the label that switches to the *other* language */
    S_TILE_SERVICES,
    S_TILE_SERVICES_SUB,
    S_TILE_HELP,
    S_TILE_HELP_SUB,
    S_TILE_BRANCH,
    S_TILE_BRANCH_SUB,
    S_TILE_NURSING,
    S_TILE_NURSING_SUB,
    S_TILE_NOTICES,
    S_TILE_NOTICES_SUB,
    S_TILE_ABOUT,
    S_TILE_ABOUT_SUB,
    S_HOME_WELCOME,
    S_ATTRACT_HINT,
    S_SAMPLE_DATA,
    S_SEARCH,
    S_SEARCH_TITLE,
    S_SEARCH_PROMPT,
    S_SEARCH_EMPTY,
    S_SEARCH_TRY,
    S_SEARCH_RESULTS,
    S_SEARCH_RESULT_ONE,
    S_SERVICES_TITLE,
    S_SERVICES_PICK,
    S_SERVICE_WHAT,
    S_SERVICE_PROVIDER,
    S_SERVICE_PLACE,
    S_SERVICE_HOURS,
    S_SERVICE_PHONE,
    S_SERVICE_COUNT,
    S_NOTICES_TITLE,
    S_NOTICES_NONE,
    S_NOTICE_VALID,
    S_ABOUT_TITLE,
    S_ABOUT_FIGURES,
    S_ABOUT_VERSION,
    S_STILL_THERE,
    S_STILL_THERE_BODY,
    S_CONTINUE,
    S_FINISH,
    S_CONTENT_BROKEN,
    S_KIND_SERVICE,
    S_KIND_CATEGORY,
    S_KIND_ORG,
    S_CLOSE,
    S__COUNT
};

/* The string id in lang; never NULL (a missing entry falls back to zh). */
const char *i18n(enum str_id id, enum content_lang lang);

/* Weekday name (0 = Sunday) and a full date "2026年11月25日 星期三" /
 * "Wednesday, 25 November 2026" into buf. */
const char *i18n_date(int year, int mon1, int mday, int wday, enum content_lang lang, char *buf,
                      size_t n);

/* For tests: true when both catalogues have every entry. */
int i18n_complete(void);

#endif
