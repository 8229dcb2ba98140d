/* The table of evidence formats the PAS accepts.  Adding a platform is
 * adding a file and a line here. */
#include "evidence.h"

#include <string.h>

static const veil_pas_evidence_format *const formats[] = {
    &veil_pas_format_software,
};

const veil_pas_evidence_format *veil_pas_format_find(const char *name) {
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(formats[i]->name, name) == 0)
            return formats[i];
    return NULL;
}
