"""Web UI for evidence search over highlights and utterances, with the filters of the search form, and the
tags, interviews and participants whose names match."""

from django.shortcuts import render

from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView

from .. import selectors
from ..forms import SearchForm


class SearchView(OrgView):
    PAGE = 20

    def get(self, request):
        form = SearchForm(request.GET or None)
        context = {"form": form, "searched": False}
        if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
            filters = form.filters()
            page = form.cleaned_data.get("page") or 1
            offset = (page - 1) * self.PAGE
            query = form.cleaned_data["q"]
            # One extra row tells whether a next page exists.
            highlights = selectors.search_highlights(
                query=query, filters=filters, limit=self.PAGE + 1, offset=offset, viewer=request.user
            )
            utterances = selectors.search_utterances(query=query, filters=filters, limit=self.PAGE + 1, offset=offset)
            personal_data = self.can(Perm.PERSONAL_DATA)
            selectors.label_speakers([u.speaker for u in utterances], personal_data=personal_data)
            # Names that match (tags, interview titles, participants) head the first page only.
            names = page == 1
            params = request.GET.copy()
            params["page"] = page + 1
            context.update({
                "searched": True,
                "tags": selectors.search_tags(query=query) if names else [],
                "interviews": selectors.search_interviews(query=query, filters=filters) if names else [],
                "participants": (
                    selectors.search_participants(query=query, personal_data=personal_data) if names else []
                ),
                "show_personal_data": personal_data,
                "highlights": highlights[: self.PAGE],
                "utterances": utterances[: self.PAGE],
                "active_filters": filters.active(),
                "next_query": params.urlencode() if max(len(highlights), len(utterances)) > self.PAGE else None,
                "page_number": page,
            })
        return render(request, "interviews/search.html", context, status=400 if form.is_bound and not form.is_valid() else 200)
