//! Objective section: the function, its parameters (condition number on a log scale, rotation),
//! and a text box for a typed f(x, y) with the parse error shown in place.

use super::{Panel, PanelCtx};
use crate::numerics::objectives::{
    CliffParams, Expression, ExpressionParams, FactorizationParams, Landmarks, MonkeySaddleParams,
    ObjectiveSpec, PlateauParams, QuadraticParams, RastriginParams, RosenbrockParams, SaddleParams,
};
use crate::scenario::Element;
use crate::scenario::ScenarioSpec;
use crate::ui::command::Command;
use crate::ui::widgets::{point, slider};

/// Objective section; keeps a typed formula that does not parse as a draft.
#[derive(Default)]
pub struct ObjectivePanel {
    draft: Option<Draft>,
}

/// Text in the formula box that is not what the plot shows, because it does not parse.
struct Draft {
    /// What was typed.
    text: String,
    /// Why it is not applied.
    error: String,
    /// The formula on the plot when it was typed: if the document changes under it (another
    /// preset, undo), the draft is dropped and the box shows the document again.
    base: String,
}

impl Panel for ObjectivePanel {
    fn title(&self) -> &'static str {
        "Objective"
    }

    fn element(&self) -> Element {
        Element::Objective
    }

    fn document_replaced(&mut self) {
        self.draft = None;
    }

    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &PanelCtx<'_>,
        spec: &mut ScenarioSpec,
        _out: &mut Vec<Command>,
    ) {
        let current = spec.objective.name();
        egui::ComboBox::from_id_salt("objective-kind")
            .selected_text(current)
            .width(190.0)
            .show_ui(ui, |ui| {
                for candidate in ObjectiveSpec::all_defaults() {
                    let name = candidate.name();
                    if ui.selectable_label(name == current, name).clicked() && name != current {
                        spec.objective = candidate;
                        // A new function has its own view and start points.
                        spec.view = None;
                        for r in &mut spec.runs {
                            r.start = None;
                        }
                        self.draft = None;
                    }
                }
            })
            .response
            .on_hover_text("The function being minimised");
        match &mut spec.objective {
            ObjectiveSpec::Quadratic(p) => quadratic(ui, p),
            ObjectiveSpec::Rosenbrock(p) => rosenbrock(ui, p),
            ObjectiveSpec::Saddle(p) => saddle(ui, p),
            ObjectiveSpec::MonkeySaddle(p) => monkey_saddle(ui, p),
            ObjectiveSpec::Cliff(p) => cliff(ui, p),
            ObjectiveSpec::Plateau(p) => plateau(ui, p),
            ObjectiveSpec::Rastrigin(p) => rastrigin(ui, p),
            ObjectiveSpec::Factorization(p) => factorization(ui, p),
            ObjectiveSpec::Expression(p) => self.expression(ui, p),
            _ if self.draft.is_some() => self.draft = None,
            ObjectiveSpec::Beale
            | ObjectiveSpec::Himmelblau
            | ObjectiveSpec::GoldsteinPrice
            | ObjectiveSpec::StyblinskiTang => {}
        }
        ui.add_space(2.0);
        ui.label(
            egui::RichText::new(cx.session.scenario().objective.formula())
                .monospace()
                .small(),
        );
    }
}

fn quadratic(ui: &mut egui::Ui, p: &mut QuadraticParams) {
    let d = QuadraticParams::default();
    slider(
        ui,
        "kappa",
        &mut p.kappa,
        1.0..=10_000.0,
        d.kappa,
        true,
        "Condition number l_max / l_min: how elongated the valley is",
    );
    slider(
        ui,
        "l_max",
        &mut p.l_max,
        0.01..=100.0,
        d.l_max,
        true,
        "Largest eigenvalue (the steep direction); GD diverges for lr > 2 / l_max",
    );
    slider(
        ui,
        "angle",
        &mut p.angle_deg,
        -90.0..=90.0,
        d.angle_deg,
        false,
        "Rotation of the eigenvectors in degrees",
    );
    point(ui, "center", &mut p.center, "The minimiser");
}

impl ObjectivePanel {
    /// The formula box. It always shows the plotted formula, except while the typed text does
    /// not parse: then it is marked as a draft that is not applied, with the error and the
    /// formula the plot still shows.
    fn expression(&mut self, ui: &mut egui::Ui, p: &mut ExpressionParams) {
        if self.draft.as_ref().is_some_and(|d| d.base != p.text) {
            self.draft = None;
        }
        let mut text = self
            .draft
            .as_ref()
            .map_or_else(|| p.text.clone(), |d| d.text.clone());
        let name = ui.label("f(x, y) =");
        let response = ui.add(
            egui::TextEdit::multiline(&mut text)
                .code_editor()
                .desired_rows(2)
                .desired_width(ui.available_width())
                .hint_text("x^2 + 10*y^2"),
        )
        .on_hover_text("Type any f(x, y): + - * / ^, sin cos exp log sqrt abs tanh sigmoid ..., pi, e.\nDerivatives are exact (symbolic).").labelled_by(name.id);
        if response.changed() {
            match Expression::parse(&text) {
                Ok(_) => {
                    p.text.clone_from(&text);
                    self.draft = None;
                }
                Err(e) => {
                    self.draft = Some(Draft {
                        text,
                        error: e.to_string(),
                        base: p.text.clone(),
                    });
                }
            }
        }
        if let Some(draft) = &self.draft {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("Draft, not applied: {}", draft.error),
            );
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    egui::RichText::new(format!("The plot shows f = {}", p.text))
                        .monospace()
                        .small(),
                );
                if ui
                    .small_button("Discard draft")
                    .on_hover_text("Put the plotted formula back in the box")
                    .clicked()
                {
                    self.draft = None;
                }
            });
        } else if let Ok(e) = Expression::parse(&p.text) {
            let [_, fx, fy] = e.formulas();
            ui.label(
                egui::RichText::new(format!("df/dx = {fx}\ndf/dy = {fy}"))
                    .monospace()
                    .small()
                    .weak(),
            );
        }
    }
}

fn rosenbrock(ui: &mut egui::Ui, p: &mut RosenbrockParams) {
    let d = RosenbrockParams::default();
    slider(
        ui,
        "a",
        &mut p.a,
        -3.0..=3.0,
        d.a,
        false,
        "The minimum is at (a, a^2)",
    );
    slider(
        ui,
        "b",
        &mut p.b,
        0.1..=1000.0,
        d.b,
        true,
        "Steepness of the valley walls",
    );
}

fn saddle(ui: &mut egui::Ui, p: &mut SaddleParams) {
    let d = SaddleParams::default();
    slider(
        ui,
        "scale",
        &mut p.scale,
        0.1..=10.0,
        d.scale,
        true,
        "s in s (x^2 - y^2)",
    );
    slider(
        ui,
        "quartic",
        &mut p.quartic,
        0.0..=2.0,
        d.quartic,
        false,
        "q in + q y^4: walls that give escaping runs a minimum",
    );
}

fn factorization(ui: &mut egui::Ui, p: &mut FactorizationParams) {
    slider(
        ui,
        "target",
        &mut p.target,
        0.1..=10.0,
        FactorizationParams::default().target,
        true,
        "c in 1/2 (x y - c)^2: the minima are the hyperbola x y = c, sharpness x^2 + y^2 there (2c at the balanced x = y)",
    );
}

fn monkey_saddle(ui: &mut egui::Ui, p: &mut MonkeySaddleParams) {
    slider(
        ui,
        "scale",
        &mut p.scale,
        0.1..=10.0,
        MonkeySaddleParams::default().scale,
        true,
        "s in s (x^3 - 3 x y^2)",
    );
}

fn cliff(ui: &mut egui::Ui, p: &mut CliffParams) {
    let d = CliffParams::default();
    slider(
        ui,
        "height",
        &mut p.height,
        0.1..=100.0,
        d.height,
        true,
        "Drop of the cliff",
    );
    slider(
        ui,
        "width",
        &mut p.width,
        0.001..=2.0,
        d.width,
        true,
        "Width of the drop: smaller is steeper (gradient up to height / (2 width))",
    );
    slider(
        ui,
        "position",
        &mut p.position,
        -3.0..=2.0,
        d.position,
        false,
        "x position of the cliff",
    );
}

fn plateau(ui: &mut egui::Ui, p: &mut PlateauParams) {
    let d = PlateauParams::default();
    slider(
        ui,
        "depth",
        &mut p.depth,
        0.1..=10.0,
        d.depth,
        true,
        "Depth of the well below the plain",
    );
    slider(
        ui,
        "width",
        &mut p.width,
        0.1..=5.0,
        d.width,
        true,
        "Width of the well",
    );
    point(ui, "center", &mut p.center, "Centre of the well");
}

fn rastrigin(ui: &mut egui::Ui, p: &mut RastriginParams) {
    slider(
        ui,
        "A",
        &mut p.a,
        0.0..=20.0,
        RastriginParams::default().a,
        false,
        "Amplitude of the ripples",
    );
}
