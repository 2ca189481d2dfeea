"""What a theme's templates read, from Jinja's syntax tree (once per template source and
process): the context variables they name, the paginated lists they show whole, and whether
they show articles more than one step away from those a page is handed. The render cache's
keys count what these say a page shows (see render_cache)."""

from jinja2 import TemplateSyntaxError, nodes


def template_names(environment, name):
    """Every variable that the template `name`, and the templates it extends, includes and
    imports, read from their context; None if one of them is chosen at render time (or
    cannot be parsed), or if they may show an article more than one step away from those a
    page is handed (`_beyond_one_step`): a page's key counts the articles its own point to,
    not theirs."""
    gathered = _gathered(environment, name)
    return None if gathered is None or _beyond_one_step(gathered[_REACH]) else gathered[_NAMES]


def lists_shown_whole(environment, name):
    """The paginated lists (PAGINATED_LISTS) that the template `name`, and the templates it
    extends, includes and imports, show whole on each page of a list: anything of them but
    their length, or the list itself where there are no pages (`articles_page.object_list if
    articles_page else articles`); None if one of those templates is chosen at render time
    (or cannot be parsed). A page of such a list is keyed by its part only where it shows no
    more (see `shown`)."""
    gathered = _gathered(environment, name)
    return None if gathered is None else gathered[_WHOLE_LISTS]


_NAMES, _WHOLE_LISTS, _REACH = 0, 1, 2


def _gathered(environment, name, _seen=None):
    """Each part of `_parsed` (but the templates named), as the union over the template `name`
    and the templates it names, in one walk of them; None if one of them is chosen at render
    time or cannot be parsed."""
    seen = set() if _seen is None else _seen
    if name in seen:
        return [set() for _ in (_NAMES, _WHOLE_LISTS, _REACH)]
    seen.add(name)
    source, _, _ = environment.loader.get_source(environment, name)
    try:
        parsed = _parsed(environment, source, tuple(sorted(environment.extensions)))
    except TemplateSyntaxError:
        return None  # rendering reports it, with the template's file and line
    found = [set(part) for part in parsed[:-1]]
    for other in parsed[-1]:
        more = None if other is None else _gathered(environment, other, seen)
        if more is None:
            return None
        for part, its in zip(found, more, strict=True):
            part |= its
    return found


def _parsed(environment, source, extensions):
    """One template's own variables, the paginated lists it shows whole (`lists_shown_whole`),
    how far it follows links between articles (`_reach`) and the templates it names. Parsing
    is slow, so once per source and process; `extensions` (which change what parses) are part
    of the key."""
    from jinja2 import meta

    key = (source, extensions)
    if key not in _PARSED:
        tree = environment.parse(source)
        _PARSED[key] = (
            frozenset(meta.find_undeclared_variables(tree)),
            frozenset(_whole_list_uses(tree)),
            _reach(tree),
            tuple(meta.find_referenced_templates(tree)),
        )
    return _PARSED[key]


# Attributes that Pelican and the plugins give an article whose values are other articles.
ARTICLE_LINKS = frozenset(
    {"prev_article", "next_article", "prev_article_in_category", "next_article_in_category"}
    | {"related_posts", "translations"}
)


def _reach(tree):
    """What one template says of how far it follows links (ARTICLE_LINKS) between articles:
    ("beyond",) if it follows one from another, or from a variable that may hold a linked
    article (a loop, `set` or `with` over a link, a call block's parameter); ("follows", m)
    for a macro m that follows one from its parameters; ("passes", m, callee) for a macro
    that hands its parameters on; ("calls", callee) for a call with a linked article."""
    facts = set()
    stepped = _stepped(tree, {argument.name for node in tree.find_all(nodes.CallBlock) for argument in node.args})
    if any(_follows(node, stepped) for node in tree.find_all(nodes.Getattr)):
        facts.add(("beyond",))
    for call in tree.find_all(nodes.Call):
        if any(_linked(argument, stepped) for argument in _arguments(call)):
            facts.update(("calls", callee) for callee in _callees(call))
    for macro in tree.find_all(nodes.Macro):
        own = _stepped(macro, {argument.name for argument in macro.args})
        if any(_follows(node, own) for node in macro.find_all(nodes.Getattr)):
            facts.add(("follows", macro.name))
        for call in macro.find_all(nodes.Call):
            if any(_linked(argument, own) for argument in _arguments(call)):
                facts.update(("passes", macro.name, callee) for callee in _callees(call))
    return frozenset(facts)


def _beyond_one_step(reach):
    """Whether templates whose `_reach` facts together are `reach` may show an article more
    than one step away from those a page is handed: the neighbour of a neighbour, of a
    related post, a macro that follows a link from an article that is one already."""
    if ("beyond",) in reach:
        return True
    follows = {fact[1] for fact in reach if fact[0] == "follows"}
    passes = [fact[1:] for fact in reach if fact[0] == "passes"]
    while more := {macro for macro, callee in passes if callee in follows} - follows:
        follows |= more
    return any(fact[0] == "calls" and fact[1] in follows for fact in reach)


def _stepped(node, names):
    """`names` and the names that the loops, `set`s and `with`s in `node` bind to a value
    that follows a link or reads one of them."""
    bindings = [(each.target, each.iter) for each in node.find_all(nodes.For)]
    bindings += [(each.target, each.node) for each in node.find_all(nodes.Assign)]
    bindings += [pair for each in node.find_all(nodes.With) for pair in zip(each.targets, each.values, strict=True)]
    stepped = set(names)
    while True:  # a name bound from another that is bound later in the source
        more = {bound.name for target, value in bindings if _linked(value, stepped) for bound in _names(target)}
        if more <= stepped:
            return stepped
        stepped |= more


def _follows(getattr_node, stepped):
    return getattr_node.attr in ARTICLE_LINKS and _linked(getattr_node.node, stepped)


def _linked(expression, stepped):
    """Whether `expression` follows a link (ARTICLE_LINKS) or reads a name in `stepped`."""
    for node in (expression, *expression.find_all((nodes.Getattr, nodes.Name))):
        if isinstance(node, nodes.Getattr) and node.attr in ARTICLE_LINKS:
            return True
        if isinstance(node, nodes.Name) and node.name in stepped:
            return True
    return False


def _arguments(call):
    return [*call.args, *(keyword.value for keyword in call.kwargs), *filter(None, (call.dyn_args, call.dyn_kwargs))]


def _callees(call):
    """The names a call may run: what it calls, and the names it hands on (a macro handed to
    a function that calls it: `rendered_once(summary_item, article)`)."""
    called = call.node.name if isinstance(call.node, nodes.Name) else getattr(call.node, "attr", None)
    return {called, *(argument.name for argument in call.args if isinstance(argument, nodes.Name))} - {None}


def _names(target):
    return [target] if isinstance(target, nodes.Name) else list(target.find_all(nodes.Name))


_PARSED = {}
# The template arguments Pelican's writer paginates.
PAGINATED_LISTS = ("articles", "dates")


def _whole_list_uses(tree):
    """The names of PAGINATED_LISTS that the template `tree` reads from its context other than
    by their length or as the fallback of their page (see `lists_shown_whole`), directly or
    through the pagination's objects (`articles_paginator.object_list`, the next page's
    articles). Inside a macro or call block, its parameters of those names are its own."""
    found = set()

    def walk(node, ancestors, own):
        if isinstance(node, (nodes.Macro, nodes.CallBlock)):
            own = own | {argument.name for argument in node.args}
        if isinstance(node, nodes.Name) and node.ctx == "load" and node.name not in own:
            found.update(_list_shown_whole(node, ancestors))
        for child in node.iter_child_nodes():
            walk(child, (*ancestors, node), own)

    walk(tree, (), frozenset())
    return found


# What a page of a list may read of its paginator, and of itself and the pages before and
# after it (Pelican's Page: their places and addresses; its own part). Anything else of them,
# or one handed on whole (to a macro, a filter, a variable), counts as the whole list.
_PAGINATOR_NUMBERS = frozenset({"num_pages", "count", "page_range", "per_page", "orphans"})
_PAGE_PLACE = frozenset(
    {"number", "has_next", "has_previous", "has_other_pages", "next_page_number", "previous_page_number"}
    | {"start_index", "end_index", "url", "save_as"}
)


def _list_shown_whole(name, ancestors):
    """[the paginated list] that the Name node `name` shows more of than a page's part and the
    list's length, where it is in the template (`ancestors`: the nodes it is in, the nearest
    last); [] if it does not."""
    parent = ancestors[-1] if ancestors else None
    attribute = parent.attr if isinstance(parent, nodes.Getattr) and parent.node is name else None
    for listed in PAGINATED_LISTS:
        if name.name == listed:
            return [] if _by_length_or_page(name, parent) else [listed]
        if name.name == f"{listed}_paginator":
            return [] if attribute in _PAGINATOR_NUMBERS else [listed]
        if name.name == f"{listed}_page":
            return [] if attribute in _PAGE_PLACE | {"object_list"} or _tested(name, ancestors) else [listed]
        if name.name in (f"{listed}_previous_page", f"{listed}_next_page"):
            return [] if attribute in _PAGE_PLACE or _tested(name, ancestors) else [listed]
    return []


def _tested(name, ancestors):
    """Whether `name` is only tested where it is (`ancestors`, the nearest last): `{% if
    articles_page %}`, `articles_page and ... if ...`, `articles_next_page is defined`. An
    `and` or `or` gives one of its sides, so what it is in decides."""
    tested = name
    for node in reversed(ancestors):
        if isinstance(node, (nodes.Not, nodes.Test)):
            return True
        if not isinstance(node, (nodes.And, nodes.Or)):
            return isinstance(node, (nodes.If, nodes.CondExpr)) and node.test is tested
        tested = node
    return False


def _by_length_or_page(name, parent):
    """Whether the list `name` is read, in its `parent` node, as `name|length` or as
    `name_page.object_list if name_page else name`."""
    if isinstance(parent, nodes.Filter):
        return parent.name == "length" and parent.node is name
    if not isinstance(parent, nodes.CondExpr) or parent.expr2 is not name:
        return False
    tested = [parent.test, *parent.test.find_all(nodes.Name)]
    return any(isinstance(test, nodes.Name) and test.name == f"{name.name}_page" for test in tested)
