"""The Home tab, as a pure function of what it shows: buttons for what everyone does, their own asks, and
for reference managers the decisions waiting, the program with its chart, customers at risk and failed
deliveries. At most 100 blocks, as Slack allows on a Home tab."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.services.digest import Section
from bot.services.home import HomeTab, ManagerBoard, WaitingAsk
from handlers.ids import Action
from handlers.views import messages
from handlers.views.cards import TO_BE_CHOSEN, choose_buttons, owner_wait_words, waiting_buttons
from handlers.views.digest_blocks import image_block, outcome_blocks, risk_line
from handlers.views.program_blocks import EDIT_BUTTON, crm_blocks, revenue_blocks, target_blocks
from handlers.views.text import clip, esc, slack_date, user

MAX_BLOCKS = 100


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)))


def waiting_blocks(waiting: Section[WaitingAsk]) -> list[Block]:
    """Asks waiting for a decision with Approve / Decline (or Choose for asks by need): the managers' Home
    tab and `/reference-request queue`."""
    if not waiting.total:
        return [_section("*Decisions waiting*\n_None._")]
    blocks: list[Block] = [_section(f"*Decisions waiting* ({waiting.total}, oldest first)")]
    for ask in waiting.items:
        i = ask.item
        customer = f"*{esc(i.customer_name)}*" if i.customer_name else "_customer to be chosen_"
        blocks.append(
            _section(
                f"#{i.request_id} {i.ask_type.label} with {customer} for {user(i.requester_id)} ({i.team.label}), "
                f"needed by {slack_date(i.needed_by)}"
                + (" :warning:" if i.flagged else "")
                + owner_wait_words(i.owner_to_say_ok, i.approved_by)
            )
        )
        buttons = choose_buttons(i.request_id, ask.choices)
        buttons += waiting_buttons(
            i.request_id,
            i.customer_name or TO_BE_CHOSEN,
            by_need=i.customer_name is None,
            owner=i.owner_to_say_ok,
            approved_by=i.approved_by,
        )
        blocks.append(ActionsBlock(elements=buttons))
    if waiting.total > len(waiting.items):
        more = waiting.total - len(waiting.items)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"and {more} more")]))
    return blocks


def _at_risk(board: ManagerBoard) -> list[Block]:
    if not board.at_risk:
        return []
    return [_section(f"*Customers at risk* ({len(board.at_risk)})"), *map(risk_line, board.at_risk[:5])]


def home_blocks(tab: HomeTab) -> tuple[str, list[Block]]:
    blocks: list[Block] = [
        HeaderBlock(text="Customer references"),
        ActionsBlock(
            elements=[
                ButtonElement(text="New request", action_id=Action.NEW_REQUEST, value="new", style="primary"),
                ButtonElement(text="Log a touch", action_id=Action.LOG_TOUCH, value="log"),
                ButtonElement(text="Nominate a reference", action_id=Action.NOMINATE_START, value="nominate"),
            ]
        ),
    ]
    _, own = messages.own_requests_reply(tab.dashboard.own, tab.dashboard.today)
    blocks += own
    board = tab.dashboard.board
    if board is not None:
        blocks += [DividerBlock(), *waiting_blocks(board.waiting), DividerBlock()]
        program = target_blocks(board.program)
        blocks.append(_section("*The program against its targets*" + ("" if program else "\n_No targets yet._")))
        blocks += program
        if "mix" in tab.images:
            blocks.append(image_block(tab.images["mix"]))
        blocks.append(ActionsBlock(elements=[EDIT_BUTTON]))
        if board.influence is not None and board.influence.any:
            blocks += revenue_blocks(board.influence, board.currency)
        blocks += crm_blocks(board.crm)
        blocks += outcome_blocks(board.outcomes)
        risk = _at_risk(board)
        if risk:
            blocks += [DividerBlock(), *risk]
        if tab.failed:
            blocks += [DividerBlock(), *messages.failed_deliveries(tab.failed)]
    _, help_blocks = messages.help_reply(tab.dashboard.signoff)
    blocks += [DividerBlock(), *help_blocks]
    return "Customer references", blocks[:MAX_BLOCKS]
