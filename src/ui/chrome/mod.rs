//! The app's chrome around the page on screen: the menu bar with the page switch, the deck
//! buttons and the preset's name, and files dropped on the window. It reads a snapshot of the
//! app ([`Status`]) and only pushes commands; menu items and their shortcuts come from the
//! command table.

pub mod dialogs;

use crate::scenario::builtin::BUILTIN_MLP;
use crate::scenario::{LossPlot, LossX, LossY, Theme};
use crate::ui::command::{Action, Command};
use crate::ui::deck::{BUILTIN, preset_title};
use crate::ui::page::PageKind;
use crate::ui::region::{Region, Regions};
use crate::ui::settings::{Layout, Settings, ViewOption};

/// What the chrome shows of the app this frame.
pub struct Status<'a> {
    /// The page on screen.
    pub page: PageKind,
    /// Its document's name and description.
    pub name: &'a str,
    /// ... and description.
    pub description: &'a str,
    /// The theme in effect.
    pub theme: Theme,
    /// Undo and redo possible, document modified.
    pub can_undo: bool,
    /// See `can_undo`.
    pub can_redo: bool,
    /// See `can_undo`.
    pub modified: bool,
    /// "3 / 17" in a deck (2-D page), else empty.
    pub deck_label: String,
    /// The preset has a focus mode: `Some(true)` while it is in effect.
    pub focus: Option<bool>,
    /// On the 2-D page, the scenario's trail (`None`: whole paths).
    pub trail: Option<usize>,
    /// The 2-D scenario's loss plot axes.
    pub loss_plot: LossPlot,
    /// The viewer's settings.
    pub settings: &'a Settings,
    /// Where the exportable plots were drawn in the previous frame.
    pub regions: &'a Regions,
    /// A GIF is being encoded.
    pub gif_busy: bool,
}

/// One menu item from the command table: its label and first shortcut, its tooltip.
fn item(ui: &mut egui::Ui, action: Action, enabled: bool, out: &mut Vec<Command>) {
    if ui
        .add_enabled(enabled, egui::Button::new(action.menu_text()))
        .on_hover_text(action.row().tooltip)
        .clicked()
    {
        out.push(action.command());
        ui.close();
    }
}

/// The top bar: menus, page switch, deck, focus mode and the preset's name.
pub fn top_bar(ui: &mut egui::Ui, s: &Status<'_>, out: &mut Vec<Command>) {
    egui::Panel::top("menu").show(ui, |ui| {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| file_menu(ui, s, out));
            ui.menu_button("Edit", |ui| {
                item(ui, Action::Undo, s.can_undo, out);
                item(ui, Action::Redo, s.can_redo, out);
                ui.separator();
                item(ui, Action::Revert, s.modified, out);
            });
            ui.menu_button("View", |ui| view_menu(ui, s, out));
            ui.separator();
            for (page, label, tip) in [
                (
                    PageKind::Surfaces,
                    "2-D surfaces",
                    "Optimizers racing on 2-D objectives",
                ),
                (
                    PageKind::Network,
                    "Network",
                    "A small MLP trained by the same optimizers",
                ),
            ] {
                if ui
                    .selectable_label(s.page == page, label)
                    .on_hover_text(tip)
                    .clicked()
                {
                    out.push(Command::SetPage(page));
                }
            }
            ui.separator();
            if !s.deck_label.is_empty() {
                if ui
                    .button("<")
                    .on_hover_text(Action::PreviousPreset.hover_text())
                    .clicked()
                {
                    out.push(Action::PreviousPreset.command());
                }
                ui.label(&s.deck_label);
                if ui
                    .button(">")
                    .on_hover_text(Action::NextPreset.hover_text())
                    .clicked()
                {
                    out.push(Action::NextPreset.command());
                }
                ui.separator();
            }
            if s.focus == Some(true)
                && ui
                    .button("Show everything")
                    .on_hover_text(
                        "This preset is in focus mode: it shows only some controls. F switches \
                         back and forth.",
                    )
                    .clicked()
            {
                out.push(Command::ToggleFocus);
            }
            ui.strong(s.name);
            // A truncated label shows its whole text on hover by itself.
            if !s.description.is_empty() {
                ui.add(egui::Label::new(egui::RichText::new(s.description).weak()).truncate());
            }
        });
    });
}

fn file_menu(ui: &mut egui::Ui, s: &Status<'_>, out: &mut Vec<Command>) {
    item(ui, Action::Open, true, out);
    ui.menu_button("Shipped presets", |ui| {
        for (i, b) in BUILTIN.iter().enumerate() {
            if ui.button(preset_title(b.file)).clicked() {
                out.push(Command::OpenBuiltin(i));
                ui.close();
            }
        }
    });
    ui.menu_button("Shipped networks", |ui| {
        for (i, b) in BUILTIN_MLP.iter().enumerate() {
            if ui.button(preset_title(b.file)).clicked() {
                out.push(Command::OpenBuiltinMlp(i));
                ui.close();
            }
        }
    });
    item(ui, Action::Save, true, out);
    item(ui, Action::SaveAs, true, out);
    ui.separator();
    item(ui, Action::Screenshot, true, out);
    item(
        ui,
        Action::ExportGif,
        s.page == PageKind::Surfaces && !s.gif_busy,
        out,
    );
    ui.menu_button("Export plot", |ui| {
        for region in Region::ALL {
            let shown = s.regions.get(region).is_some();
            if ui
                .add_enabled(shown, egui::Button::new(region.label()))
                .on_disabled_hover_text("Not on screen: show it first (View)")
                .clicked()
            {
                out.push(Command::ExportPlot(region));
                ui.close();
            }
        }
        ui.separator();
        ui.label("Pixel density:");
        for d in [1.0, 2.0, 3.0, 4.0] {
            if ui
                .radio(s.settings.export_density == d, format!("{d}x"))
                .clicked()
            {
                out.push(Command::SetExportDensity(d));
            }
        }
    });
    item(ui, Action::CopyLink, true, out);
    if crate::ui::platform::HAS_FILES {
        item(ui, Action::ScreenshotFolder, true, out);
    }
}

fn view_menu(ui: &mut egui::Ui, s: &Status<'_>, out: &mut Vec<Command>) {
    for (layout, text) in [
        (Layout::Overlay, "Overlay: all runs on one plot"),
        (Layout::SideBySide, "Side by side: one pane per run"),
    ] {
        if ui.radio(s.settings.layout == layout, text).clicked() {
            out.push(Command::SetLayout(layout));
        }
    }
    if s.page == PageKind::Surfaces {
        trail_menu(ui, s.trail, out);
        loss_plot_menu(ui, s.loss_plot, out);
    }
    ui.separator();
    for (theme, text) in [
        (Theme::Dark, "Dark theme"),
        (Theme::Light, "Light theme"),
        (Theme::Projector, "Projector theme"),
    ] {
        let r = ui.radio(s.theme == theme, text);
        let r = if theme == Theme::Projector {
            r.on_hover_text(
                "White background, large fonts, thick lines, high-contrast colour-blind-safe \
                 colours. Saving stores the theme in the preset.",
            )
        } else {
            r
        };
        if r.clicked() && s.theme != theme {
            out.push(Command::SetTheme(theme));
        }
    }
    if let Some(on) = s.focus {
        let text = if on {
            "Show everything  (F)"
        } else {
            "Focus mode, as the preset says  (F)"
        };
        if ui.button(text).clicked() {
            out.push(Command::ToggleFocus);
            ui.close();
        }
    }
    ui.separator();
    for (option, text) in ViewOption::ALL {
        if option == ViewOption::GradientArrow {
            ui.separator();
            ui.label("Arrows at the selected run's point:");
        }
        let mut on = s.settings.shows(option);
        if ui.checkbox(&mut on, text).changed() {
            out.push(Command::SetViewOption(option, on));
        }
    }
    ui.separator();
    item(ui, Action::Fullscreen, true, out);
    item(ui, Action::Help, true, out);
}

/// Lengths the Trail menu offers, in steps.
const TRAILS: [usize; 5] = [20, 50, 100, 200, 500];

/// View > Trail: whole paths or only their last steps (and the preset's own length if it has
/// another).
fn trail_menu(ui: &mut egui::Ui, trail: Option<usize>, out: &mut Vec<Command>) {
    ui.menu_button("Trail", |ui| {
        let mut choices: Vec<Option<usize>> = vec![None];
        choices.extend(TRAILS.map(Some));
        if let Some(n) = trail
            && !TRAILS.contains(&n)
        {
            choices.push(Some(n));
        }
        for choice in choices {
            let text = match choice {
                None => "Whole paths".to_owned(),
                Some(n) => format!("Last {n} steps"),
            };
            if ui
                .radio(trail == choice, text)
                .on_hover_text(
                    "Draw only each path's last steps: the noise ball a run is in now rather than everything it crossed. Saving stores it in the preset.",
                )
                .clicked()
            {
                if trail != choice {
                    out.push(Command::SetTrail(choice));
                }
                ui.close();
            }
        }
    });
}

/// View > Loss plot: what the x axis counts, the loss or the sharpness, a log-log plot, the
/// rate references.
fn loss_plot_menu(ui: &mut egui::Ui, plot: LossPlot, out: &mut Vec<Command>) {
    ui.menu_button("Loss plot axes", |ui| {
        let mut next = plot;
        for (x, text, hover) in [
            (LossX::Steps, "x: steps", "Loss against the optimizer's step k."),
            (
                LossX::Evaluations,
                "x: gradient evaluations",
                "Loss against the cost: per-example gradients spent. A minibatch step costs its batch size B, an exact gradient of a finite sum of N examples costs N, every line-search trial and look-ahead point counts; Hessians are not counted.",
            ),
        ] {
            if ui.radio(plot.x == x, text).on_hover_text(hover).clicked() {
                next.x = x;
            }
        }
        ui.separator();
        for (y, text, hover) in [
            (LossY::Loss, "y: loss", "The loss above the known minimum (or the lowest loss seen), on a log scale."),
            (
                LossY::Sharpness,
                "y: sharpness (edge of stability)",
                "The sharpness: the largest eigenvalue of the Hessian at each run's point, against the run's edge of stability dashed in its colour (2/lr for gradient descent, (2+2m)/((1-dampening) lr) for heavy ball). For Adam, AdamW and RMSprop the largest eigenvalue of P^-1 H, their preconditioned Hessian, against (2+2 beta1)/((1-beta1) lr). A run whose sharpness stays above its edge cannot settle there.",
            ),
        ] {
            if ui.radio(plot.y == y, text).on_hover_text(hover).clicked() {
                next.y = y;
            }
        }
        ui.separator();
        ui.checkbox(&mut next.log_x, "Logarithmic x (log-log)")
            .on_hover_text("On log-log axes a loss falling like 1/k^p is a straight line of slope -p.");
        ui.add_enabled(
            next.y == LossY::Loss,
            egui::Checkbox::new(&mut next.references, "Rate references"),
        )
        .on_hover_text(
                "C/k and C/k^2 through the selected run's first step; where the objective is convex and L is known (a quadratic's l_max, else the largest curvature on the sublevel set of the start), the course's bounds: GD L|x0 - x*|^2/(2k), Nesterov 2L|x0 - x*|^2/(k+1)^2, and the lower bound 3L|x0 - x*|^2/(32(k+1)^2).",
            );
        if next != plot {
            out.push(Command::SetLossPlot(next));
        }
    });
}

/// Commands for the files dropped on the window: presets open (from their path on the
/// desktop; in a browser their contents arrive in a later frame, as from the file picker),
/// anything else is refused with the message returned.
pub fn dropped_files(ctx: &egui::Context, out: &mut Vec<Command>) -> Vec<String> {
    let dropped: Vec<egui::DroppedFileHandle> = ctx.input(|i| i.raw.dropped_files.clone());
    let mut refused = Vec::new();
    for file in dropped {
        let path = file.path().to_path_buf();
        if !path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("ron"))
        {
            refused.push(format!("{} is not a preset (.ron)", path.display()));
        } else if let Some(path) = crate::ui::platform::dropped(ctx, &file) {
            out.push(Command::Open(path));
        }
    }
    refused
}
