#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fixture.h"
#include "model/model.h"

struct plan *
fixture_buildv(struct fixture *f, const char *node, const struct plan_state *st, va_list parts)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    struct plan_input in;
    struct model_options mo = {0};
    const char *why;

    for (const char *part = va_arg(parts, const char *); part != NULL;
         part = va_arg(parts, const char *))
        fputs(part, mem);
    fclose(mem);
    mf_set_init(&f->set);
    mf_diags_init(&f->diags);
    mf_load_buffer(&f->set, "test.yaml", (const unsigned char *)text, len, &f->diags);
    model_check(&f->set, &mo, &f->diags);
    for (size_t i = 0; i < f->diags.n; i++)
        if (f->diags.v[i].sev == MF_SEV_ERROR)
            fail_msg("fixture error: %d: %s: %s", f->diags.v[i].line, f->diags.v[i].path,
                     f->diags.v[i].msg);
    free(text);
    in = (struct plan_input){&f->set, node, NULL, st};
    f->plan = plan_build(&in, &why);
    assert_non_null(f->plan);
    return f->plan;
}

void
fixture_release(struct fixture *f)
{
    plan_free(f->plan);
    mf_diags_free(&f->diags);
    mf_set_free(&f->set);
}
