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
from bot.services.owner_view import OwnerAsk, OwnerBoard
from handlers.ids import Action
from handlers.payloads import ContactRef, CustomerRef, RequestRef
from handlers.views import messages
from handlers.views.cards import TO_BE_CHOSEN, choose_buttons, outcome_words, owner_wait_words, waiting_buttons
from handlers.views.digest_blocks import image_block, outcome_blocks, pause_button, risk_text
from handlers.views.page_button import customer_button
from handlers.views.program_blocks import EDIT_BUTTON, crm_blocks, revenue_blocks, target_blocks
from handlers.views.signoff_blocks import NOT_NOW, OK_TO_CONTACT
from handlers.views.text import clip, esc, slack_date, user

MAX_BLOCKS = 100
OWNER_WAITING_SHOWN = 5


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
        if i.customer_id is not None and i.customer_name:
            buttons.append(customer_button(i.customer_id, i.customer_name))
        blocks.append(ActionsBlock(elements=buttons))
    if waiting.total > len(waiting.items):
        more = waiting.total - len(waiting.items)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"and {more} more")]))
    return blocks


def _at_risk(board: ManagerBoard) -> list[Block]:
    if not board.at_risk:
        return []
    blocks: list[Block] = [_section(f"*Customers at risk* ({len(board.at_risk)})")]
    for risk in board.at_risk[:5]:  # Pause, and the customer's page
        buttons = [pause_button(risk), customer_button(risk.customer_id, risk.customer_name)]
        blocks += [risk_text(risk), ActionsBlock(elements=buttons)]
    return blocks


def _owner_ask(a: OwnerAsk) -> str:
    product = f" on {esc(a.product)}" if a.product else ""
    return (
        f"#{a.request_id} {a.ask_type.label}{product} with *{esc(a.customer_name)}* for {user(a.requester_id)} "
        f"({a.team.label}), {slack_date(a.needed_by)}"
    )


def owner_blocks(board: OwnerBoard) -> list[Block]:
    """The account owner's customers: asks waiting for their OK (with the buttons), what is planned, what
    happened (with the requester's notes), and contacts to confirm as still willing."""
    blocks: list[Block] = [_section("*Your customers*")]
    if board.waiting:
        blocks.append(_section(f"*Waiting for your OK* ({len(board.waiting)})"))
        for a in board.waiting[:OWNER_WAITING_SHOWN]:
            value = RequestRef(request_id=a.request_id).dump()
            blocks.append(_section(_owner_ask(a)))
            blocks.append(
                ActionsBlock(
                    elements=[
                        ButtonElement(
                            text=OK_TO_CONTACT, action_id=Action.OWNER_OK, value=value, style="primary",
                            accessibility_label=clip(f"OK to contact {a.customer_name} for request {a.request_id}", 75),
                        ),
                        ButtonElement(
                            text=NOT_NOW, action_id=Action.OWNER_NOT_NOW, value=value,
                            accessibility_label=clip(f"Not now for {a.customer_name}, request {a.request_id}", 75),
                        ),
                        customer_button(a.customer_id, a.customer_name),
                    ]
                )
            )  # fmt: skip
    else:
        blocks.append(_section("*Waiting for your OK*\n_Nothing._"))
    planned = "\n".join(f"• {_owner_ask(a)}" for a in board.planned) or "_Nothing planned._"
    blocks.append(_section(f"*Planned*\n{planned}"))
    if board.happened:
        lines = [
            f"• {_owner_ask(a)}: {outcome_words(a.outcome, a.sentiment, a.note)}" for a in board.happened if a.outcome
        ]
        blocks.append(_section("*What happened lately*\n" + "\n".join(lines)))
    if board.reconfirm:
        blocks.append(_section("*Still willing?* Their willingness was confirmed long ago; asks of them are flagged."))
        for contact_id, name, customer in board.reconfirm[:OWNER_WAITING_SHOWN]:
            blocks.append(
                SectionBlock(
                    text=MarkdownTextObject(text=clip(f"*{esc(name)}* at {esc(customer)}", 3000)),
                    accessory=ButtonElement(
                        text="Still willing", action_id=Action.CONFIRM_CONSENT,
                        value=ContactRef(contact_id=contact_id).dump(),
                        accessibility_label=clip(f"{name} is still willing, as agreed", 75),
                    ),
                )
            )  # fmt: skip
    return blocks


def planned_blocks(board: ManagerBoard) -> list[Block]:
    """Contacts planned in the next 30 days, soonest first, and paused customers with Reactivate."""
    lines = [
        f"• {slack_date(i.needed_by)}: #{i.request_id} {i.ask_type.label} with *{esc(i.customer_name or '')}* "
        f"for {user(i.requester_id)} ({i.team.label})"
        for i in board.planned.items
    ]
    more = f"\nand {board.planned.total - len(lines)} more" if board.planned.total > len(lines) else ""
    blocks: list[Block] = [
        _section(f"*Planned contacts, next 30 days* ({board.planned.total})\n" + ("\n".join(lines) or "_None._") + more)
    ]
    if board.paused.total:
        blocks.append(_section(f"*Paused customers* ({board.paused.total})"))
        for p in board.paused.items:
            until = f" until {slack_date(p.until)}" if p.until else ""
            why = f" ({esc(p.reason)})" if p.reason else ""
            blocks.append(
                SectionBlock(
                    text=MarkdownTextObject(text=clip(f"*{esc(p.name)}*: paused{until}{why}", 3000)),
                    accessory=ButtonElement(
                        text="Reactivate", action_id=Action.REACTIVATE_CUSTOMER,
                        value=CustomerRef(customer_id=p.customer_id).dump(),
                        accessibility_label=clip(f"Make {p.name} active again", 75),
                    ),
                )
            )  # fmt: skip
        if board.paused.total > len(board.paused.items):
            blocks.append(
                ContextBlock(
                    elements=[MarkdownTextObject(text=f"and {board.paused.total - len(board.paused.items)} more")]
                )
            )
    return blocks


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
    if tab.dashboard.owner is not None:
        blocks += [DividerBlock(), *owner_blocks(tab.dashboard.owner)]
    board = tab.dashboard.board
    if board is not None:
        blocks += [DividerBlock(), *waiting_blocks(board.waiting), *planned_blocks(board), DividerBlock()]
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
