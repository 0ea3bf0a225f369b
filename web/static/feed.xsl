<?xml version="1.0" encoding="utf-8"?>
<!--
  Shows an RSS or Atom feed of this site as a page when a browser opens it,
  instead of raw XML: what a feed is, the address to copy into a feed
  reader, and the newest articles. Feed readers never load it.

  The words and the site's stylesheet come from the feed itself (the
  sz:page element, written from the message catalog in the feed's
  language), so this file holds no words of its own. The page loads only
  the site's own stylesheet, root-relative, and has no script: the site's
  Content-Security-Policy holds for it as for every page.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:sz="https://github.com/samizdat-press/samizdat/ns/feed-page"
  exclude-result-prefixes="atom dc sz">

<xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>

<xsl:variable name="p" select="/rss/channel/sz:page | /atom:feed/sz:page"/>
<xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
<xsl:variable name="self" select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>

<xsl:template match="/">
<html lang="{$p/@lang}">
<head>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title><xsl:value-of select="$title"/></title>
<link rel="stylesheet" href="{$p/@stylesheet}"/>
</head>
<body>
<header class="masthead">
<div class="wrap bar">
<a class="brand" href="{$p/@home}"><xsl:value-of select="$p/@site"/></a>
</div>
</header>
<main id="main" class="wrap">
<div class="listhead">
<h1><xsl:value-of select="$title"/></h1>
</div>
<section class="feedabout">
<h2><xsl:value-of select="$p/sz:heading"/></h2>
<p><xsl:value-of select="$p/sz:about"/></p>
<p><xsl:value-of select="$p/sz:subscribe"/></p>
<p><code class="feedurl"><xsl:value-of select="$self"/></code></p>
</section>
<section class="latest">
<h2><xsl:value-of select="$p/sz:latest"/></h2>
<div class="grid">
<xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
</div>
</section>
<p><a href="{$p/@home}"><xsl:value-of select="$p/sz:home"/></a></p>
</main>
</body>
</html>
</xsl:template>

<!-- An RSS item shows no dek: its description is HTML-escaped text, which
     only disable-output-escaping would show as written, and Firefox does
     not implement it. An Atom summary is plain text. -->
<xsl:template match="item">
<article class="card">
<h3><a href="{link}"><xsl:value-of select="title"/></a></h3>
<p class="meta">
<xsl:if test="dc:creator"><span class="byline"><xsl:value-of select="dc:creator"/></span><xsl:text> </xsl:text></xsl:if>
<time>
<!-- pubDate is "Mon, 02 Jan 2006 15:04:05 +0000": shown as 2006-01-02,
     which needs no words in any language. -->
<xsl:variable name="month" select="substring(pubDate, 9, 3)"/>
<xsl:value-of select="concat(substring(pubDate, 13, 4), '-',
  format-number(string-length(substring-before('JanFebMarAprMayJunJulAugSepOctNovDec', $month)) div 3 + 1, '00'), '-',
  substring(pubDate, 6, 2))"/>
</time>
</p>
</article>
</xsl:template>

<xsl:template match="atom:entry">
<article class="card">
<xsl:if test="@xml:lang != $p/@lang"><xsl:attribute name="lang"><xsl:value-of select="@xml:lang"/></xsl:attribute></xsl:if>
<h3><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h3>
<xsl:if test="atom:summary"><p class="dek"><xsl:value-of select="atom:summary"/></p></xsl:if>
<p class="meta">
<span class="byline">
<xsl:for-each select="atom:author">
<xsl:if test="position() != 1">, </xsl:if>
<xsl:value-of select="atom:name"/>
</xsl:for-each>
</span>
<xsl:text> </xsl:text>
<time datetime="{atom:published}"><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
</p>
</article>
</xsl:template>

</xsl:stylesheet>
