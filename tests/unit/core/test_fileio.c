#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fileio.h"
#include "tests.h"

static void
atomic_write_replaces_content(void **state)
{
    char dir[] = "/tmp/mg-fileio-XXXXXX";
    char path[128], tmp[140];
    char *buf;
    size_t len;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/state.json", dir);
    assert_int_equal(file_write_atomic(path, "first", 5), 0);
    assert_int_equal(file_write_atomic(path, "second!", 7), 0);
    assert_int_equal(file_read_all(path, 1024, &buf, &len), 0);
    assert_int_equal(len, 7);
    assert_string_equal(buf, "second!");
    free(buf);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), -1); /* no temp file left behind */
    assert_int_equal(file_read_all(path, 3, &buf, &len), -1);
    assert_int_equal(errno, EFBIG);
    unlink(path);
    assert_int_equal(file_read_all(path, 1024, &buf, &len), -1);
    assert_int_equal(errno, ENOENT);
    rmdir(dir);
}

const struct CMUnitTest test_fileio[] = {
    cmocka_unit_test(atomic_write_replaces_content),
};
const size_t test_fileio_count = sizeof(test_fileio) / sizeof(test_fileio[0]);
