// Drives samizdat's Content API with Ghost's own JavaScript client, as a
// Ghost front-end would. Arguments: the client module's path, the site's
// URL, a working key, a revoked key, and a tag slug. Prints one line per
// check and exits non-zero on the first failure.
import {pathToFileURL} from 'node:url';
import assert from 'node:assert/strict';

const [modulePath, url, key, revoked, tag] = process.argv.slice(2);
const {default: GhostContentAPI} = await import(pathToFileURL(modulePath).href);
const api = new GhostContentAPI({url, key, version: 'v5.0'});

const check = async (name, fn) => {
    try {
        await fn();
        console.log(`ok ${name}`);
    } catch (err) {
        console.log(`not ok ${name}: ${err.stack || err}`);
        process.exit(1);
    }
};

await check('posts.browse pages through every post', async () => {
    const first = await api.posts.browse({limit: 2, page: 1});
    assert.equal(first.length, 2);
    assert.equal(first.meta.pagination.page, 1);
    assert.equal(first.meta.pagination.limit, 2);
    assert.equal(first.meta.pagination.next, 2);
    const total = first.meta.pagination.total;
    const seen = new Set(first.map((p) => p.id));
    for (let page = 2; page <= first.meta.pagination.pages; page++) {
        const more = await api.posts.browse({limit: 2, page});
        assert.equal(more.meta.pagination.prev, page - 1);
        more.forEach((p) => seen.add(p.id));
    }
    assert.equal(seen.size, total);
});

await check('posts.read by slug', async () => {
    const [one] = await api.posts.browse({limit: 1});
    const post = await api.posts.read({slug: one.slug}, {formats: ['html', 'plaintext']});
    assert.equal(post.id, one.id);
    assert.equal(post.title, one.title);
    assert.ok(post.html.length > 0 && post.plaintext.length > 0);
    assert.match(post.url, /^http:\/\/127\.0\.0\.1:\d+\//);
});

await check('posts.read by id', async () => {
    const [one] = await api.posts.browse({limit: 1});
    const post = await api.posts.read({id: one.id});
    assert.equal(post.slug, one.slug);
});

await check(`posts.browse with filter tag:${tag} and authors included`, async () => {
    const posts = await api.posts.browse({filter: `tag:${tag}`, include: 'tags,authors', limit: 'all'});
    assert.ok(posts.length > 0);
    for (const p of posts) {
        assert.ok(p.tags.some((t) => t.slug === tag), `${p.slug} has no tag ${tag}`);
        assert.ok(p.authors.length > 0 && p.primary_author.slug === p.authors[0].slug);
    }
});

await check('pages.browse', async () => {
    const pages = await api.pages.browse({limit: 'all'});
    assert.ok(pages.length > 0);
    assert.ok(pages.every((p) => p.slug && p.html !== undefined));
});

await check('tags.browse with post counts', async () => {
    const tags = await api.tags.browse({limit: 'all', include: 'count.posts'});
    assert.ok(tags.some((t) => t.slug === tag && t.count.posts > 0));
});

await check('authors.browse', async () => {
    const authors = await api.authors.browse({limit: 'all'});
    assert.ok(authors.length > 0 && authors.every((a) => a.name && a.url));
});

await check('settings.browse', async () => {
    const settings = await api.settings.browse();
    assert.ok(settings.title);
    assert.equal(settings.url, `${url}/`);
    assert.ok(Array.isArray(settings.navigation));
});

await check('a revoked key is refused', async () => {
    const old = new GhostContentAPI({url, key: revoked, version: 'v5.0'});
    await assert.rejects(old.posts.browse(), (err) => {
        assert.equal(err.message, 'Unknown Content API Key');
        assert.equal(err.type, 'UnauthorizedError');
        return true;
    });
});
