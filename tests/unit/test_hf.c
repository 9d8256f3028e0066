/* SPDX-License-Identifier: ISC */
/*
 * test_hf.c: the hf:// downloader against tests/hfsim/hf_sim.py (started
 * here with python3 from PATH, hub on 127.0.0.1 and its "CDN" on
 * 127.0.0.2). Checks the hub cache layout byte for byte (blobs named by
 * etag, relative snapshot symlinks, refs), reuse, tags and commits, Range
 * resume after a dropped connection, hash mismatch, 404s, gated repos and
 * tokens (never sent to the CDN host), relative and absolute redirects, a
 * renamed repository, a blob locked by another process, and cancel.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <uv.h>

#include "hf.h"
#include "httpc.h"
#include "mlxd.h"

#define C1	"1111111111111111111111111111111111111111"
#define C2	"2222222222222222222222222222222222222222"
#define C3	"3333333333333333333333333333333333333333"
#define C4	"4444444444444444444444444444444444444444"
#define C5	"5555555555555555555555555555555555555555"
#define C6	"6666666666666666666666666666666666666666"
#define C7	"7777777777777777777777777777777777777777"
#define C8	"8888888888888888888888888888888888888888"
#define TOKEN	"hf_simtoken"

#define TINY_LFS	(1048576 + 77)
#define REL_LFS		(2097152)
#define RESUME_LFS	(3 * 1048576 + 5)
#define BIG_LFS		(4 * 1048576)
#define DROP_AT		700001

static const char manifest[] =
"{\"tokens\": [\"" TOKEN "\"], \"repos\": {\n"
" \"acme/tiny-model\": {\"redirect\": \"absolute\", \"revisions\": {\n"
"  \"main\": {\"commit\": \"" C1 "\", \"files\": [\n"
"   {\"path\": \"config.json\", \"size\": 700, \"seed\": 1},\n"
"   {\"path\": \"tokenizer/vocab.json\", \"size\": 3000, \"seed\": 2},\n"
"   {\"path\": \"model.safetensors\", \"size\": 1048653, \"seed\": 3,"
"    \"lfs\": true}]},\n"
"  \"v1.0\": {\"commit\": \"" C2 "\", \"files\": [\n"
"   {\"path\": \"config.json\", \"size\": 700, \"seed\": 1},\n"
"   {\"path\": \"model.safetensors\", \"size\": 1048653, \"seed\": 3,"
"    \"lfs\": true}]}}},\n"
" \"acme/rel-model\": {\"redirect\": \"relative\", \"revisions\": {\n"
"  \"main\": {\"commit\": \"" C3 "\", \"files\": [\n"
"   {\"path\": \"config.json\", \"size\": 300, \"seed\": 4},\n"
"   {\"path\": \"weights/part-1.safetensors\", \"size\": 2097152,"
"    \"seed\": 5, \"lfs\": true}]}}},\n"
" \"acme/gated-model\": {\"gated\": true, \"revisions\": {\n"
"  \"main\": {\"commit\": \"" C4 "\", \"files\": [\n"
"   {\"path\": \"config.json\", \"size\": 200, \"seed\": 6},\n"
"   {\"path\": \"model.safetensors\", \"size\": 524288, \"seed\": 7,"
"    \"lfs\": true}]}}},\n"
" \"acme/broken-model\": {\"revisions\": {\n"
"  \"main\": {\"commit\": \"" C5 "\", \"files\": [\n"
"   {\"path\": \"config.json\", \"size\": 100, \"seed\": 8},\n"
"   {\"path\": \"missing.bin\", \"size\": 1000, \"seed\": 9, \"lfs\": true,"
"    \"missing\": true}]}}},\n"
" \"acme/big-model\": {\"revisions\": {\n"
"  \"main\": {\"commit\": \"" C6 "\", \"files\": [\n"
"   {\"path\": \"model.safetensors\", \"size\": 4194304, \"seed\": 10,"
"    \"lfs\": true}]}}},\n"
" \"acme/resume-model\": {\"revisions\": {\n"
"  \"main\": {\"commit\": \"" C7 "\", \"files\": [\n"
"   {\"path\": \"config.json\", \"size\": 50, \"seed\": 11},\n"
"   {\"path\": \"model.safetensors\", \"size\": 3145733, \"seed\": 12,"
"    \"lfs\": true}]}}},\n"
" \"acme/corrupt-model\": {\"revisions\": {\n"
"  \"main\": {\"commit\": \"" C8 "\", \"files\": [\n"
"   {\"path\": \"model.safetensors\", \"size\": 1048576, \"seed\": 13,"
"    \"lfs\": true}]}}},\n"
" \"acme/old-name\": {\"renamed_to\": \"acme/tiny-model\","
"  \"revisions\": {}}\n"
"}}\n";

static char		 root[256];
static char		 endpoint[64];
static pid_t		 sim_pid = -1;
static uv_loop_t	 loop;
static struct mlxd	 md;
static uv_timer_t	 tick;

/* What one download reported. */
struct outcome {
	int		 done;
	int		 calls;
	int		 err;
	char		 msg[2048];
	char		 commit[64];
	char		 snapshot[1024];
	int		 nfiles;
	int64_t		 bytes, downloaded;
	int		 reused, resumed;
	int		 progress;
	int		 phases;	/* bit per phase seen */
	int64_t		 last_done, last_total;
	int		 monotonic;	/* bytes_done never went down */
	int		 rate_seen;	/* a finite rate and ETA */
	int64_t		 cancel_at;	/* cancel from progress at bytes */
	struct hf_download *d;
};

/* ---- helpers ---- */

static void
gen(int seed, size_t size, unsigned char *out)
{
	unsigned char	md32[32];
	char		s[64];
	size_t		off = 0, k = 0, n;
	unsigned int	len;

	while (off < size) {
		n = (size_t)snprintf(s, sizeof(s), "%d:%zu", seed, k++);
		EVP_Digest(s, n, md32, &len, EVP_sha256(), NULL);
		n = size - off < 32 ? size - off : 32;
		memcpy(out + off, md32, n);
		off += n;
	}
}

static void
hexify(const unsigned char *dig, unsigned int len, char *out)
{
	unsigned int	i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", dig[i]);
}

/* sha256 (lfs) or git blob sha1 of generated content. */
static void
etag_of(int seed, size_t size, int lfs, char out[65])
{
	unsigned char	*buf = malloc(size + 1), mdv[32];
	unsigned int	 len;
	EVP_MD_CTX	*c = EVP_MD_CTX_new();
	char		 pre[32];
	int		 n;

	gen(seed, size, buf);
	EVP_DigestInit_ex(c, lfs ? EVP_sha256() : EVP_sha1(), NULL);
	if (!lfs) {
		n = snprintf(pre, sizeof(pre), "blob %zu", size);
		EVP_DigestUpdate(c, pre, (size_t)n + 1);
	}
	EVP_DigestUpdate(c, buf, size);
	EVP_DigestFinal_ex(c, mdv, &len);
	EVP_MD_CTX_free(c);
	hexify(mdv, len, out);
	free(buf);
}

static void
sha256_file(const char *path, char out[65])
{
	unsigned char	 buf[65536], mdv[32];
	unsigned int	 len;
	EVP_MD_CTX	*c = EVP_MD_CTX_new();
	ssize_t		 n;
	int		 fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(c, buf, (size_t)n);
	close(fd);
	EVP_DigestFinal_ex(c, mdv, &len);
	EVP_MD_CTX_free(c);
	hexify(mdv, len, out);
}

static int
exists(const char *fmt, const char *a, const char *b)
{
	char		path[1024];
	struct stat	sb;

	snprintf(path, sizeof(path), fmt, a, b);
	return lstat(path, &sb) == 0;
}

static int64_t
file_size(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

static char *
read_all(const char *path, size_t *lenp)
{
	FILE	*fp = fopen(path, "rb");
	char	*buf;
	long	 n;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		n = 0;
	buf[n] = '\0';
	fclose(fp);
	*lenp = (size_t)n;
	return buf;
}

static void
cache_dir(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", root, name);
}

/*
 * snapshots/<commit>/<path> is a relative symlink to the blob named by the
 * expected etag, and the bytes are the generated ones.
 */
static void
check_file(const char *cache, const char *folder, const char *commit,
    const char *path, int seed, size_t size, int lfs)
{
	char		 link[1024], target[1024], want[1024], etag[65];
	char		 blob[1024], sha[65];
	unsigned char	*exp = malloc(size + 1);
	char		*got;
	size_t		 len, i;
	ssize_t		 n;
	struct stat	 sb;
	const char	*p;

	etag_of(seed, size, lfs, etag);
	snprintf(link, sizeof(link), "%s/%s/snapshots/%s/%s", cache, folder,
	    commit, path);
	assert_int_equal(lstat(link, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	want[0] = '\0';
	strcat(want, "../../");
	for (p = path; *p != '\0'; p++)
		if (*p == '/')
			strcat(want, "../");
	strcat(want, "blobs/");
	strcat(want, etag);
	assert_string_equal(target, want);
	snprintf(blob, sizeof(blob), "%s/%s/blobs/%s", cache, folder, etag);
	assert_int_equal(lstat(blob, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_size, (off_t)size);
	got = read_all(link, &len);
	assert_non_null(got);
	assert_int_equal(len, size);
	gen(seed, size, exp);
	for (i = 0; i < size && got[i] == (char)exp[i]; i++)
		;
	assert_int_equal(i, size);
	if (lfs) {
		sha256_file(link, sha);
		assert_string_equal(sha, etag);
	}
	free(got);
	free(exp);
}

/* ---- the simulator ---- */

static size_t
sink_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	char	**bufp = userdata;
	size_t	  n = size * nmemb, old = *bufp ? strlen(*bufp) : 0;

	*bufp = realloc(*bufp, old + n + 1);
	memcpy(*bufp + old, ptr, n);
	(*bufp)[old + n] = '\0';
	return n;
}

/* A blocking request to the simulator's control endpoints. */
static char *
sim_call(const char *path, const char *post)
{
	CURL		*c = curl_easy_init();
	char		 url[256], *buf = NULL;
	long		 status = 0;

	snprintf(url, sizeof(url), "%s%s", endpoint, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &buf);
	if (post != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	assert_int_equal(status, 200);
	curl_easy_cleanup(c);
	return buf;
}

static void
sim_fault(const char *json)
{
	free(sim_call("/_sim/fault", json));
}

static void
sim_clear(void)
{
	free(sim_call("/_sim/clear", "{}"));
}

static json_t *
sim_requests(void)
{
	char	*s = sim_call("/_sim/requests", NULL);
	json_t	*j = json_loads(s, 0, NULL);

	free(s);
	assert_true(json_is_array(j));
	return j;
}

static const char *
req_header(json_t *r, const char *name)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(json_object_get(r, "headers"), k, v)
		if (strcasecmp(k, name) == 0)
			return json_string_value(v);
	return NULL;
}

/* Count logged requests matching server/method/path substring. */
static int
count_requests(json_t *log, const char *server, const char *method,
    const char *path_sub)
{
	size_t	 i;
	json_t	*r;
	int	 n = 0;

	json_array_foreach(log, i, r) {
		if (server != NULL && strcmp(json_string_value(
		    json_object_get(r, "server")), server) != 0)
			continue;
		if (method != NULL && strcmp(json_string_value(
		    json_object_get(r, "method")), method) != 0)
			continue;
		if (path_sub != NULL && strstr(json_string_value(
		    json_object_get(r, "path")), path_sub) == NULL)
			continue;
		n++;
	}
	return n;
}

static int
rm_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void
tick_cb(uv_timer_t *t)
{
	(void)t;
}

static int
setup(void **state)
{
	char	 sim_root[300], mpath[400], line[400];
	int	 pfd[2], fd, port = 0;
	FILE	*fp;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_hf.XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	snprintf(sim_root, sizeof(sim_root), "%s/sim", root);
	mkdir(sim_root, 0700);
	snprintf(mpath, sizeof(mpath), "%s/manifest.json", sim_root);
	if ((fd = open(mpath, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    write(fd, manifest, strlen(manifest)) !=
	    (ssize_t)strlen(manifest))
		return -1;
	close(fd);

	/* Keep the environment from supplying a token, a cache or a proxy. */
	setenv("no_proxy", "127.0.0.1,127.0.0.2", 1);
	setenv("NO_PROXY", "127.0.0.1,127.0.0.2", 1);
	unsetenv("HF_TOKEN");
	unsetenv("HUGGING_FACE_HUB_TOKEN");
	unsetenv("HF_HUB_CACHE");
	unsetenv("HUGGINGFACE_HUB_CACHE");
	snprintf(line, sizeof(line), "%s/hfhome", root);
	setenv("HF_HOME", line, 1);
	snprintf(line, sizeof(line), "%s/no-token-file", root);
	setenv("HF_TOKEN_PATH", line, 1);

	if (pipe(pfd) != 0)
		return -1;
	if ((sim_pid = fork()) == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execlp("python3", "python3", HFSIM, "--root", sim_root,
		    "--port", "0", "--manifest", mpath, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	fp = fdopen(pfd[0], "r");
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "PORT %d", &port) == 1)
			break;
	/* Leave the pipe open: the simulator prints one more line. */
	if (port == 0) {
		fclose(fp);
		return -1;
	}
	snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", port);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	memset(&md, 0, sizeof(md));
	if (uv_loop_init(&loop) != 0)
		return -1;
	md.loop = &loop;
	if (httpc_new(&loop, &md.httpc) != 0)
		return -1;
	uv_timer_init(&loop, &tick);
	*state = fp;
	return 0;
}

static int
teardown(void **state)
{
	int	status;

	if (sim_pid > 0) {
		kill(sim_pid, SIGTERM);
		waitpid(sim_pid, &status, 0);
	}
	if (*state != NULL)
		fclose(*state);
	httpc_free(md.httpc);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	curl_global_cleanup();
	nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* ---- driving downloads ---- */

static void
on_progress(void *arg, const struct hf_progress *p)
{
	struct outcome	*o = arg;

	o->progress++;
	assert_non_null(p->phase);
	if (strcmp(p->phase, "metadata") == 0)
		o->phases |= 1;
	else if (strcmp(p->phase, "download") == 0)
		o->phases |= 2;
	else if (strcmp(p->phase, "verify") == 0)
		o->phases |= 4;
	else if (strcmp(p->phase, "link") == 0)
		o->phases |= 8;
	else
		fail_msg("unknown phase %s", p->phase);
	if (p->bytes_done < o->last_done)
		o->monotonic = 0;
	o->last_done = p->bytes_done;
	o->last_total = p->bytes_total;
	assert_true(p->files_done <= p->files_total);
	if (!isnan(p->rate_bps) && p->rate_bps > 0 && !isnan(p->eta_s) &&
	    p->eta_s >= 0)
		o->rate_seen = 1;
	if (o->cancel_at > 0 && p->bytes_done >= o->cancel_at &&
	    strcmp(p->phase, "download") == 0) {
		o->cancel_at = 0;
		hf_download_cancel(o->d);
		o->d = NULL;
	}
}

static void
on_done(void *arg, int err, const char *msg, const struct hf_result *res)
{
	struct outcome	*o = arg;

	o->calls++;
	o->done = 1;
	o->err = err;
	if (err != 0) {
		assert_non_null(msg);
		assert_null(res);
		snprintf(o->msg, sizeof(o->msg), "%s", msg);
		return;
	}
	assert_non_null(res);
	snprintf(o->commit, sizeof(o->commit), "%s", res->revision);
	snprintf(o->snapshot, sizeof(o->snapshot), "%s", res->snapshot_dir);
	o->nfiles = res->nfiles;
	o->bytes = res->bytes;
	o->downloaded = res->bytes_downloaded;
	o->reused = res->reused_files;
	o->resumed = res->resumed_files;
}

/* Run the loop until flag is set or secs pass. */
static void
run_until(const int *flag, double secs)
{
	uint64_t	end = uv_hrtime() + (uint64_t)(secs * 1e9);

	uv_timer_start(&tick, tick_cb, 20, 20);
	while (!*flag && uv_hrtime() < end)
		uv_run(&loop, UV_RUN_ONCE);
	uv_timer_stop(&tick);
}

static void
download(const char *spec, const char *cache, const char *token,
    struct outcome *o)
{
	int	rc;

	memset(o, 0, sizeof(*o));
	o->monotonic = 1;
	o->last_total = -2;
	rc = hf_download_start(&md, spec, cache, endpoint, token, on_progress,
	    on_done, o, &o->d);
	assert_int_equal(rc, 0);
	run_until(&o->done, 120);
	assert_true(o->done);
	assert_int_equal(o->calls, 1);
}

/* ---- tests ---- */

static void
test_parse_spec(void **state)
{
	static const struct {
		const char	*spec, *repo, *rev;
	} ok[] = {
		{ "acme/model", "acme/model", "main" },
		{ "hf://acme/model", "acme/model", "main" },
		{ "acme/model@v1.0", "acme/model", "v1.0" },
		{ "hf://Org_1/My-Model.v2@refs/pr/1", "Org_1/My-Model.v2",
		    "refs/pr/1" },
		{ "gpt2", "gpt2", "main" },
		{ "hf://models/acme/model@v2", "acme/model", "v2" },
		{ "hf://models/gpt2", "models/gpt2", "main" },
		{ "hf://models/x@a/b", "models/x", "a/b" },
		{ "acme/model@" C1, "acme/model", C1 },
	};
	static const char *bad[] = {
		"", "hf://", "/model", "acme/", "acme//model", "a/b/c",
		"acme/mo--del", "acme/mo..del", "-acme/model", "acme/model.",
		"acme/mo del", "acme/model@", "acme/model@../x",
		"acme/model@a//b", "acme/model@/main", "acme/model@ma in",
		"acme/m\xc3\xa9", "acme/model@a\\b", "hf://datasets/a/b",
		"models/acme/model",
	};
	size_t	 i;
	char	*repo, *rev, longname[128];

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		repo = rev = NULL;
		assert_int_equal(hf_parse_spec(ok[i].spec, &repo, &rev), 0);
		assert_string_equal(repo, ok[i].repo);
		assert_string_equal(rev, ok[i].rev);
		free(repo);
		free(rev);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		repo = rev = (char *)(uintptr_t)"untouched";
		if (hf_parse_spec(bad[i], &repo, &rev) != -EINVAL)
			fail_msg("spec \"%s\" accepted", bad[i]);
		assert_string_equal(repo, "untouched");
	}
	assert_int_equal(hf_parse_spec(NULL, &repo, &rev), -EINVAL);
	/* 96 characters is the limit. */
	memset(longname, 'a', sizeof(longname));
	longname[2] = '/';
	longname[96] = '\0';
	assert_int_equal(hf_parse_spec(longname, &repo, &rev), 0);
	free(repo);
	free(rev);
	longname[96] = 'a';
	longname[97] = '\0';
	assert_int_equal(hf_parse_spec(longname, &repo, &rev), -EINVAL);
}

static void
test_default_cache_dir(void **state)
{
	char	*dir, *home = getenv("HF_HOME") ? strdup(getenv("HF_HOME")) :
		    NULL;

	(void)state;
	setenv("HF_HUB_CACHE", "/x/hub-cache", 1);
	assert_int_equal(hf_default_cache_dir(&dir), 0);
	assert_string_equal(dir, "/x/hub-cache");
	free(dir);
	unsetenv("HF_HUB_CACHE");
	setenv("HF_HOME", "/y/hf", 1);
	assert_int_equal(hf_default_cache_dir(&dir), 0);
	assert_string_equal(dir, "/y/hf/hub");
	free(dir);
	unsetenv("HF_HOME");
	setenv("XDG_CACHE_HOME", "/z/cache", 1);
	assert_int_equal(hf_default_cache_dir(&dir), 0);
	assert_string_equal(dir, "/z/cache/huggingface/hub");
	free(dir);
	unsetenv("XDG_CACHE_HOME");
	if (home != NULL)
		setenv("HF_HOME", home, 1);
	free(home);
}

static void
test_download_layout(void **state)
{
	struct outcome	 o;
	char		 cache[300], path[1024], *ref;
	size_t		 len;
	json_t		*log;
	int64_t		 total = 700 + 3000 + TINY_LFS;

	(void)state;
	cache_dir("cache-a", cache, sizeof(cache));
	sim_clear();
	download("acme/tiny-model", cache, "", &o);
	assert_int_equal(o.err, 0);
	assert_string_equal(o.commit, C1);
	snprintf(path, sizeof(path), "%s/models--acme--tiny-model/snapshots/"
	    C1, cache);
	assert_string_equal(o.snapshot, path);
	assert_int_equal(o.nfiles, 3);
	assert_int_equal(o.bytes, total);
	assert_int_equal(o.downloaded, total);
	assert_int_equal(o.reused, 0);
	assert_int_equal(o.resumed, 0);
	assert_int_equal(o.phases, 15);
	assert_true(o.monotonic);
	assert_int_equal(o.last_done, total);
	assert_int_equal(o.last_total, total);

	check_file(cache, "models--acme--tiny-model", C1, "config.json", 1,
	    700, 0);
	check_file(cache, "models--acme--tiny-model", C1,
	    "tokenizer/vocab.json", 2, 3000, 0);
	check_file(cache, "models--acme--tiny-model", C1, "model.safetensors",
	    3, TINY_LFS, 1);

	/* refs/main: the commit, no newline. */
	snprintf(path, sizeof(path), "%s/models--acme--tiny-model/refs/main",
	    cache);
	ref = read_all(path, &len);
	assert_non_null(ref);
	assert_string_equal(ref, C1);
	free(ref);
	assert_true(exists("%s/%s", cache, "CACHEDIR.TAG"));
	assert_true(exists("%s/%s", cache, ".locks/models--acme--tiny-model"));
	/* Exactly three blobs, no partial files left. */
	snprintf(path, sizeof(path), "%s/models--acme--tiny-model/blobs",
	    cache);
	{
		uv_fs_t		 req;
		uv_dirent_t	 ent;
		int		 n = 0;

		assert_int_equal(uv_fs_scandir(NULL, &req, path, 0, NULL), 3);
		while (uv_fs_scandir_next(&req, &ent) != UV_EOF) {
			assert_null(strstr(ent.name, ".incomplete"));
			n++;
		}
		uv_fs_req_cleanup(&req);
		assert_int_equal(n, 3);
	}

	/* Absolute redirect: the LFS bytes came from the CDN host. */
	log = sim_requests();
	assert_int_equal(count_requests(log, "hub", "GET", "/api/models/"
	    "acme/tiny-model/revision/main?blobs=true"), 1);
	assert_int_equal(count_requests(log, "hub", "HEAD", "/resolve/" C1),
	    3);
	assert_int_equal(count_requests(log, "cdn", "GET", "/cdn/"), 1);
	assert_int_equal(count_requests(log, "hub", "GET", "/cdn/"), 0);
	json_decref(log);
}

static void
test_reuse(void **state)
{
	struct outcome	 o;
	char		 cache[300];
	json_t		*log;

	(void)state;
	cache_dir("cache-a", cache, sizeof(cache));
	sim_clear();
	download("hf://acme/tiny-model@main", cache, "", &o);
	assert_int_equal(o.err, 0);
	assert_int_equal(o.downloaded, 0);
	assert_int_equal(o.reused, 3);
	assert_int_equal(o.bytes, 700 + 3000 + TINY_LFS);
	log = sim_requests();
	assert_int_equal(count_requests(log, NULL, "GET", "/resolve/"), 0);
	assert_int_equal(count_requests(log, NULL, "GET", "/cdn/"), 0);
	assert_int_equal(count_requests(log, "hub", "HEAD", NULL), 3);
	json_decref(log);
	check_file(cache, "models--acme--tiny-model", C1, "model.safetensors",
	    3, TINY_LFS, 1);
}

static void
test_tag_and_commit(void **state)
{
	struct outcome	 o;
	char		 cache[300], path[1024], *ref;
	size_t		 len;

	(void)state;
	cache_dir("cache-a", cache, sizeof(cache));
	/* A tag: its own snapshot and ref, blobs shared with main. */
	download("acme/tiny-model@v1.0", cache, "", &o);
	assert_int_equal(o.err, 0);
	assert_string_equal(o.commit, C2);
	assert_int_equal(o.reused, 2);
	assert_int_equal(o.downloaded, 0);
	check_file(cache, "models--acme--tiny-model", C2, "model.safetensors",
	    3, TINY_LFS, 1);
	snprintf(path, sizeof(path), "%s/models--acme--tiny-model/refs/v1.0",
	    cache);
	ref = read_all(path, &len);
	assert_non_null(ref);
	assert_string_equal(ref, C2);
	free(ref);
	/* main's ref is untouched. */
	snprintf(path, sizeof(path), "%s/models--acme--tiny-model/refs/main",
	    cache);
	ref = read_all(path, &len);
	assert_string_equal(ref, C1);
	free(ref);

	/* A commit: no ref named after it. */
	download("acme/tiny-model@" C1, cache, "", &o);
	assert_int_equal(o.err, 0);
	assert_string_equal(o.commit, C1);
	assert_false(exists("%s/models--acme--tiny-model/refs/%s", cache, C1));
}

static void
test_relative_redirect(void **state)
{
	struct outcome	 o;
	char		 cache[300];
	json_t		*log;

	(void)state;
	cache_dir("cache-rel", cache, sizeof(cache));
	sim_clear();
	download("acme/rel-model", cache, "", &o);
	assert_int_equal(o.err, 0);
	assert_int_equal(o.downloaded, 300 + REL_LFS);
	check_file(cache, "models--acme--rel-model", C3, "config.json", 4,
	    300, 0);
	check_file(cache, "models--acme--rel-model", C3,
	    "weights/part-1.safetensors", 5, REL_LFS, 1);
	/* The relative Location was followed on the hub's own host. */
	log = sim_requests();
	assert_int_equal(count_requests(log, "hub", "GET", "/cdn/"), 1);
	assert_int_equal(count_requests(log, "cdn", NULL, NULL), 0);
	json_decref(log);
}

static void
test_renamed_repo(void **state)
{
	struct outcome	 o;
	char		 cache[300];

	(void)state;
	cache_dir("cache-renamed", cache, sizeof(cache));
	download("acme/old-name", cache, "", &o);
	assert_int_equal(o.err, 0);
	assert_string_equal(o.commit, C1);
	/* Stored under the name asked for, as huggingface_hub does. */
	check_file(cache, "models--acme--old-name", C1, "model.safetensors",
	    3, TINY_LFS, 1);
	check_file(cache, "models--acme--old-name", C1,
	    "tokenizer/vocab.json", 2, 3000, 0);
}

static void
test_gated(void **state)
{
	struct outcome	 o;
	char		 cache[300];
	json_t		*log, *r;
	size_t		 i;
	int		 hub = 0, cdn = 0;
	const char	*srv, *auth;

	(void)state;
	cache_dir("cache-gated", cache, sizeof(cache));
	/* No token: explicit anonymous, then none in the environment. */
	download("acme/gated-model", cache, "", &o);
	assert_int_equal(o.err, -EACCES);
	assert_non_null(strstr(o.msg, "HF_TOKEN"));
	download("acme/gated-model", cache, NULL, &o);
	assert_int_equal(o.err, -EACCES);
	download("acme/gated-model", cache, "hf_wrong", &o);
	assert_int_equal(o.err, -EACCES);
	assert_false(exists("%s/%s", cache, "models--acme--gated-model"));

	/* With the token. */
	sim_clear();
	download("acme/gated-model", cache, TOKEN, &o);
	assert_int_equal(o.err, 0);
	check_file(cache, "models--acme--gated-model", C4, "model.safetensors",
	    7, 524288, 1);
	check_file(cache, "models--acme--gated-model", C4, "config.json", 6,
	    200, 0);
	/* The token went to every hub request and to no CDN request. */
	log = sim_requests();
	json_array_foreach(log, i, r) {
		srv = json_string_value(json_object_get(r, "server"));
		auth = req_header(r, "Authorization");
		if (strcmp(srv, "cdn") == 0) {
			cdn++;
			assert_null(auth);
		} else if (strstr(json_string_value(json_object_get(r,
		    "path")), "/_sim/") == NULL) {
			hub++;
			assert_non_null(auth);
			assert_string_equal(auth, "Bearer " TOKEN);
		}
	}
	assert_int_equal(cdn, 1);
	assert_int_equal(hub, 1 + 2 + 2);	/* info, 2 HEAD, 2 GET */
	json_decref(log);

	/* The token from the environment. */
	cache_dir("cache-gated-env", cache, sizeof(cache));
	setenv("HF_TOKEN", TOKEN, 1);
	download("acme/gated-model", cache, NULL, &o);
	unsetenv("HF_TOKEN");
	assert_int_equal(o.err, 0);
	assert_int_equal(o.nfiles, 2);
}

static void
test_not_found(void **state)
{
	struct outcome	 o;
	char		 cache[300];

	(void)state;
	cache_dir("cache-404", cache, sizeof(cache));
	download("acme/no-such-model", cache, "", &o);
	assert_int_equal(o.err, -ENOENT);
	assert_non_null(strstr(o.msg, "not found"));
	assert_false(exists("%s/%s", cache, "models--acme--no-such-model"));

	download("acme/tiny-model@no-such-branch", cache, "", &o);
	assert_int_equal(o.err, -ENOENT);
	assert_non_null(strstr(o.msg, "revision no-such-branch"));
	assert_false(exists("%s/%s", cache, "models--acme--tiny-model"));

	/* A listed file the hub answers 404 for: nothing written at all. */
	download("acme/broken-model", cache, "", &o);
	assert_int_equal(o.err, -ENOENT);
	assert_non_null(strstr(o.msg, "missing.bin"));
	assert_false(exists("%s/%s", cache, "models--acme--broken-model"));
}

static void
test_resume(void **state)
{
	struct outcome	 o;
	char		 cache[300], etag[65], tmp[1100], blob[1024], want[64];
	json_t		*log, *r;
	size_t		 i;
	int		 ranged = 0;
	const char	*rng;

	(void)state;
	cache_dir("cache-resume", cache, sizeof(cache));
	etag_of(12, RESUME_LFS, 1, etag);
	snprintf(blob, sizeof(blob), "%s/models--acme--resume-model/blobs/%s",
	    cache, etag);
	snprintf(tmp, sizeof(tmp), "%s.incomplete", blob);

	/*
	 * A connection dropped mid-file is resumed inside the same download
	 * (Range from the byte reached), after a short backoff.
	 */
	sim_clear();
	sim_fault("{\"kind\": \"drop_after\", \"bytes\": 700001, "
	    "\"match\": \"/cdn/\", \"times\": 1}");
	download("acme/resume-model", cache, "", &o);
	sim_fault("{\"kind\": \"none\"}");
	assert_int_equal(o.err, 0);
	assert_int_equal(file_size(tmp), -1);
	check_file(cache, "models--acme--resume-model", C7,
	    "model.safetensors", 12, RESUME_LFS, 1);
	snprintf(want, sizeof(want), "bytes=%d-", DROP_AT);
	log = sim_requests();
	json_array_foreach(log, i, r)
		if ((rng = req_header(r, "Range")) != NULL) {
			assert_string_equal(rng, want);
			ranged++;
		}
	assert_int_equal(ranged, 2);	/* hub resolve, then the CDN */
	json_decref(log);
	ranged = 0;

	/*
	 * An .incomplete left by an earlier download (another process, or
	 * one that gave up) is hashed and continued.
	 */
	cache_dir("cache-resume2", cache, sizeof(cache));
	snprintf(blob, sizeof(blob), "%s/models--acme--resume-model", cache);
	assert_int_equal(mkdir(cache, 0700), 0);
	assert_int_equal(mkdir(blob, 0700), 0);
	snprintf(blob, sizeof(blob), "%s/models--acme--resume-model/blobs",
	    cache);
	assert_int_equal(mkdir(blob, 0700), 0);
	snprintf(blob, sizeof(blob), "%s/models--acme--resume-model/blobs/%s",
	    cache, etag);
	snprintf(tmp, sizeof(tmp), "%s.incomplete", blob);
	{
		unsigned char	*part = malloc(RESUME_LFS + 1);
		FILE		*fp = fopen(tmp, "wb");

		assert_non_null(part);
		assert_non_null(fp);
		gen(12, RESUME_LFS, part);
		assert_int_equal(fwrite(part, 1, DROP_AT, fp), DROP_AT);
		fclose(fp);
		free(part);
	}
	assert_int_equal(file_size(tmp), DROP_AT);

	sim_clear();
	download("acme/resume-model", cache, "", &o);
	assert_int_equal(o.err, 0);
	assert_int_equal(o.resumed, 1);
	assert_int_equal(o.reused, 0);
	/* The rest of the big file, and config.json (50 bytes) whole. */
	assert_int_equal(o.downloaded, RESUME_LFS - DROP_AT + 50);
	assert_int_equal(file_size(tmp), -1);
	check_file(cache, "models--acme--resume-model", C7,
	    "model.safetensors", 12, RESUME_LFS, 1);
	check_file(cache, "models--acme--resume-model", C7, "config.json", 11,
	    50, 0);
	/* The resumed request asked for the rest only, at the CDN too. */
	snprintf(want, sizeof(want), "bytes=%d-", DROP_AT);
	log = sim_requests();
	json_array_foreach(log, i, r) {
		if (strcmp(json_string_value(json_object_get(r, "method")),
		    "GET") != 0)
			continue;
		if ((rng = req_header(r, "Range")) != NULL) {
			assert_string_equal(rng, want);
			ranged++;
		}
	}
	assert_int_equal(ranged, 2);	/* hub resolve, then the CDN */
	json_decref(log);
}

static void
test_hash_mismatch(void **state)
{
	struct outcome	 o;
	char		 cache[300], etag[65], blob[1024], tmp[1100];

	(void)state;
	cache_dir("cache-corrupt", cache, sizeof(cache));
	etag_of(13, 1048576, 1, etag);
	snprintf(blob, sizeof(blob), "%s/models--acme--corrupt-model/blobs/%s",
	    cache, etag);
	snprintf(tmp, sizeof(tmp), "%s.incomplete", blob);
	sim_fault("{\"kind\": \"corrupt\", \"match\": \"/cdn/\"}");
	download("acme/corrupt-model", cache, "", &o);
	sim_fault("{\"kind\": \"none\"}");
	assert_int_equal(o.err, -EBADMSG);
	assert_non_null(strstr(o.msg, "sha256 mismatch"));
	assert_non_null(strstr(o.msg, etag));
	assert_int_equal(file_size(blob), -1);
	assert_int_equal(file_size(tmp), -1);
	assert_false(exists("%s/models--acme--corrupt-model/snapshots/%s",
	    cache, C8));

	/* And it comes right once the server does. */
	download("acme/corrupt-model", cache, "", &o);
	assert_int_equal(o.err, 0);
	check_file(cache, "models--acme--corrupt-model", C8,
	    "model.safetensors", 13, 1048576, 1);
}

static void
test_locked_blob(void **state)
{
	struct outcome	 o;
	char		 cache[300], etag[65], path[1024];
	int		 fd;

	(void)state;
	cache_dir("cache-lock", cache, sizeof(cache));
	etag_of(10, BIG_LFS, 1, etag);
	snprintf(path, sizeof(path), "%s/.locks/models--acme--big-model",
	    cache);
	assert_int_equal(mkdir(cache, 0700), 0);
	snprintf(path, sizeof(path), "%s/.locks", cache);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/.locks/models--acme--big-model",
	    cache);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/.locks/models--acme--big-model/%s"
	    ".lock", cache, etag);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	download("acme/big-model", cache, "", &o);
	assert_int_equal(o.err, -EBUSY);
	assert_non_null(strstr(o.msg, "being downloaded by another process"));
	assert_false(exists("%s/models--acme--big-model/blobs/%s", cache,
	    etag));
	close(fd);
}

/* Cancel from a timer once the partial file has grown past a mark. */
struct cancel_watch {
	struct outcome	*o;
	const char	*path;
	int64_t		 past;
};

static void
cancel_timer_cb(uv_timer_t *t)
{
	struct cancel_watch	*w = t->data;

	if (w->o->d == NULL || file_size(w->path) <= w->past)
		return;
	hf_download_cancel(w->o->d);
	w->o->d = NULL;
	uv_timer_stop(t);
}

static void
test_cancel(void **state)
{
	struct outcome	 o;
	char		 cache[300], etag[65], tmp[1100], blob[1024];
	int		 never = 0, rc, i;
	int64_t		 n1, n2;
	uv_timer_t	 t;
	struct cancel_watch w;

	(void)state;
	cache_dir("cache-cancel", cache, sizeof(cache));
	etag_of(10, BIG_LFS, 1, etag);
	snprintf(blob, sizeof(blob), "%s/models--acme--big-model/blobs/%s",
	    cache, etag);
	snprintf(tmp, sizeof(tmp), "%s.incomplete", blob);
	sim_fault("{\"kind\": \"slow\", \"chunk\": 65536, \"delay_ms\": 25, "
	    "\"match\": \"/cdn/\"}");

	/* From inside the progress callback. */
	memset(&o, 0, sizeof(o));
	o.monotonic = 1;
	o.cancel_at = 200000;
	rc = hf_download_start(&md, "acme/big-model", cache, endpoint, "",
	    on_progress, on_done, &o, &o.d);
	assert_int_equal(rc, 0);
	run_until(&o.done, 2);
	run_until(&never, 0.3);
	assert_false(o.done);
	assert_null(o.d);
	assert_int_equal(httpc_active(md.httpc), 0);
	n1 = file_size(tmp);
	assert_true(n1 >= 200000 && n1 < BIG_LFS);
	assert_int_equal(file_size(blob), -1);

	/* From outside any callback, mid-transfer. */
	memset(&o, 0, sizeof(o));
	o.monotonic = 1;
	rc = hf_download_start(&md, "acme/big-model", cache, endpoint, "",
	    on_progress, on_done, &o, &o.d);
	assert_int_equal(rc, 0);
	w.o = &o;
	w.path = tmp;
	w.past = n1 + 65536;
	uv_timer_init(&loop, &t);
	t.data = &w;
	uv_timer_start(&t, cancel_timer_cb, 5, 5);
	for (i = 0; i < 600 && o.d != NULL && !o.done; i++)
		run_until(&o.done, 0.05);
	assert_null(o.d);
	uv_close((uv_handle_t *)&t, NULL);
	run_until(&never, 0.3);
	assert_false(o.done);
	assert_int_equal(o.calls, 0);
	assert_int_equal(httpc_active(md.httpc), 0);
	n2 = file_size(tmp);
	assert_true(n2 > n1 && n2 < BIG_LFS);

	/* Right after start, before any reply. */
	memset(&o, 0, sizeof(o));
	rc = hf_download_start(&md, "acme/big-model", cache, endpoint, "",
	    on_progress, on_done, &o, &o.d);
	assert_int_equal(rc, 0);
	hf_download_cancel(o.d);
	run_until(&never, 0.2);
	assert_int_equal(o.calls, 0);
	assert_int_equal(o.progress, 0);

	/* The next download resumes, still slowly: rate and ETA show. */
	download("acme/big-model", cache, "", &o);
	sim_fault("{\"kind\": \"none\"}");
	assert_int_equal(o.err, 0);
	assert_int_equal(o.resumed, 1);
	assert_int_equal(o.downloaded, BIG_LFS - n2);
	assert_true(o.rate_seen);
	assert_true(o.monotonic);
	check_file(cache, "models--acme--big-model", C6, "model.safetensors",
	    10, BIG_LFS, 1);
}

static void
test_bad_start(void **state)
{
	struct hf_download	*d = NULL;

	(void)state;
	assert_int_equal(hf_download_start(&md, "not a repo", "/tmp",
	    endpoint, "", NULL, on_done, NULL, &d), -EINVAL);
	assert_int_equal(hf_download_start(&md, "acme/x", "/tmp", endpoint,
	    "tok\r\nX-Evil: 1", NULL, on_done, NULL, &d), -EINVAL);
	assert_null(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_spec),
		cmocka_unit_test(test_default_cache_dir),
		cmocka_unit_test(test_bad_start),
		cmocka_unit_test(test_download_layout),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_tag_and_commit),
		cmocka_unit_test(test_relative_redirect),
		cmocka_unit_test(test_renamed_repo),
		cmocka_unit_test(test_gated),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_hash_mismatch),
		cmocka_unit_test(test_locked_blob),
		cmocka_unit_test(test_cancel),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
