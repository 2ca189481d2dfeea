<?xml version="1.0" encoding="utf-8"?>
<!-- Shows an Atom or RSS feed in a browser as a readable page that explains how to subscribe. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="utf-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="title" select="atom:feed/atom:title | rss/channel/title"/>
  <xsl:variable name="home" select="atom:feed/atom:link[@rel='alternate']/@href | rss/channel/link"/>
  <xsl:variable name="self" select="atom:feed/atom:link[@rel='self']/@href | rss/channel/atom:link[@rel='self']/@href"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> · feed</title>
        <link rel="stylesheet" href="/theme/css/site.css"/>
        <link rel="icon" href="/theme/favicon.svg" type="image/svg+xml"/>
      </head>
      <body>
        <header class="site-header">
          <div class="wrap header-row">
            <a class="site-name" href="{$home}"><xsl:value-of select="$title"/></a>
          </div>
        </header>
        <main id="main" class="wrap">
          <div class="feed-howto">
            <h1>This is a feed: subscribe to get new stories</h1>
            <p>A feed is how you follow a site without an account or an e-mail list. Copy this
              page's address into a feed reader (such as NetNewsWire, Feedly, Inoreader, Thunderbird
              or your podcast and news app) and new stories arrive there as they are published.</p>
            <p><label for="feed-url">Address to copy</label></p>
            <input id="feed-url" class="feed-url" readonly="readonly" value="{$self}"/>
            <p>No reader yet? <a href="{$home}">Read the stories on the website</a> instead, or see <a href="/subscribe/">every feed and how to subscribe</a>.</p>
          </div>
          <h2>Latest in this feed</h2>
          <ol class="post-list">
            <xsl:apply-templates select="atom:feed/atom:entry | rss/channel/item"/>
          </ol>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li class="post-summary">
      <h3><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h3>
      <p class="meta"><time datetime="{atom:published}"><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
        · <xsl:value-of select="atom:author/atom:name"/></p>
    </li>
  </xsl:template>

  <xsl:template match="item">
    <li class="post-summary">
      <h3><a href="{link}"><xsl:value-of select="title"/></a></h3>
      <p class="meta"><xsl:value-of select="substring(pubDate, 1, 16)"/> · <xsl:value-of select="dc:creator"/></p>
    </li>
  </xsl:template>
</xsl:stylesheet>
