#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
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

char *
fixture_render(const struct plan *p, bool json)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);

    if (json)
        assert_int_equal(plan_render_json(p, mem), 0);
    else
        plan_render_text(p, mem);
    fclose(mem);
    return text;
}

/* Every scenario also checks that packing the plan (what the runtime does
 * with the running one) changes nothing one can see: JSON, text, state. */
static void
check_pack_round_trip(struct plan *p)
{
    char *json = fixture_render(p, true), *text = fixture_render(p, false), *after;
    struct plan_state before_st, after_st;
    size_t nservices = p->nservices, nads = p->nadvertisements;

    plan_state_init(&before_st);
    plan_state_init(&after_st);
    assert_int_equal(plan_to_state(p, &before_st), 0);
    assert_int_equal(plan_pack(p), 0);
    assert_non_null(p->packed);
    assert_null(p->services);
    assert_null(p->advertisements);
    assert_int_equal(p->nservices, nservices);
    assert_int_equal(p->nadvertisements, nads);
    after = fixture_render(p, true);
    assert_string_equal(after, json);
    free(after);
    after = fixture_render(p, false);
    assert_string_equal(after, text);
    free(after);
    assert_int_equal(plan_to_state(p, &after_st), 0);
    assert_int_equal(after_st.n, before_st.n);
    for (size_t i = 0; i < before_st.n; i++) {
        const struct plan_alloc *x = &before_st.v[i], *y = &after_st.v[i];
        assert_string_equal(x->kind, y->kind);
        assert_string_equal(x->ns, y->ns);
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->nips, y->nips);
        for (size_t k = 0; k < x->nips; k++)
            assert_true(ip_addr_equal(&x->ips[k], &y->ips[k]));
    }
    assert_int_equal(plan_pack(p), 0); /* packing twice is a no-op */
    plan_state_free(&before_st);
    plan_state_free(&after_st);
    free(json);
    free(text);
}

void
fixture_release(struct fixture *f)
{
    check_pack_round_trip(f->plan);
    plan_free(f->plan);
    mf_diags_free(&f->diags);
    mf_set_free(&f->set);
}
